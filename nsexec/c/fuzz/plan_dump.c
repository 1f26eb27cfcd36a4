/*
 * plan_dump reads a plan (the payload of MSG_PLAN) on stdin, decodes it
 * with the init's decoder and prints every field of struct plan, one a
 * line, or "error: ..." and exit status 1. libcontainer's round-trip test
 * (roundtrip_test.go) prints the same lines from the plan it encoded and
 * compares them field by field.
 *
 * A line is "name value". Repeated entries are indexed: "mount[2].dest".
 * Numbers are decimal; strings are quoted, with '"', '\' and bytes outside
 * printable ASCII as \xNN; a missing string or optional number is "none";
 * bytes are "LEN:HEX". Every field is printed, set or not.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "plan_free.h"

/* str prints a string value (quoted, escaped) and ends the line. */
static void str(const char *s)
{
	if (!s) {
		printf("none\n");
		return;
	}
	putchar('"');
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if (*c < 0x20 || *c > 0x7e || *c == '"' || *c == '\\')
			printf("\\x%02x", *c);
		else
			putchar(*c);
	}
	printf("\"\n");
}

/* bytes prints a byte string value and ends the line. */
static void bytes(const uint8_t *b, size_t n)
{
	if (!b) {
		printf("none\n");
		return;
	}
	printf("%zu:", n);
	for (size_t i = 0; i < n; i++)
		printf("%02x", b[i]);
	putchar('\n');
}

/* opt prints an optional number and ends the line. */
static void opt(int has, long long v)
{
	if (has)
		printf("%lld\n", v);
	else
		printf("none\n");
}

/* strv prints the strings of sv as prefix[0], prefix[1], ... */
static void strv(const char *prefix, const struct strv *sv)
{
	for (size_t i = 0; i < sv->n; i++) {
		printf("%s[%zu] ", prefix, i);
		str(sv->v[i]);
	}
}

static void dump_namespaces(const struct plan *p)
{
	for (size_t i = 0; i < p->njoins; i++)
		printf("ns_join[%zu].flag %u\nns_join[%zu].fd %d\n", i, p->joins[i].flag, i, p->joins[i].fd);
	printf("unshare %u\nnew_userns %d\n", p->unshare_flags, p->new_userns);
	printf("timens_offsets ");
	str(p->timens_offsets);
	printf("fork %d\nns_pidfd %d\nns_pidfd_flags %u\n", p->fork, p->ns_pidfd, p->ns_pidfd_flags);
	for (size_t i = 0; i < p->ncgroup_tasks; i++)
		printf("cgroup_tasks[%zu] %d\n", i, p->cgroup_tasks[i]);
}

static void dump_mount(size_t i, const struct mount_entry *m)
{
	printf("mount[%zu].kind %u\nmount[%zu].source ", i, m->kind, i);
	str(m->source);
	printf("mount[%zu].dest ", i);
	str(m->dest);
	printf("mount[%zu].fstype ", i);
	str(m->fstype);
	printf("mount[%zu].flags %u\nmount[%zu].clr_flags %u\nmount[%zu].data ", i, m->flags, i, m->clr_flags, i);
	str(m->data);
	for (size_t j = 0; j < m->npropagation; j++)
		printf("mount[%zu].propagation[%zu] %u\n", i, j, m->propagation[j]);
	printf("mount[%zu].attr_set %llu\nmount[%zu].attr_clr %llu\n", i, (unsigned long long)m->attr_set, i,
	       (unsigned long long)m->attr_clr);
	printf("mount[%zu].file %d\nmount[%zu].remount %d\nmount[%zu].copyup %d\nmount[%zu].cloned %d\n", i, m->is_file, i,
	       m->remount, i, m->copyup, i, m->cloned);
	printf("mount[%zu].tree %d\nmount[%zu].origin ", i, m->tree, i);
	str(m->origin);
}

static void dump_device(size_t i, const struct device_entry *d)
{
	printf("device[%zu].path ", i);
	str(d->path);
	printf("device[%zu].type %u\ndevice[%zu].major %u\ndevice[%zu].minor %u\n", i, d->type, i, d->major, i,
	       d->minor);
	printf("device[%zu].mode %u\ndevice[%zu].uid %u\ndevice[%zu].gid %u\ndevice[%zu].bind %d\n", i, d->mode, i,
	       d->uid, i, d->gid, i, d->bind);
}

static void dump_rootfs(const struct plan *p)
{
	printf("rootfs ");
	str(p->rootfs);
	printf("root_readonly %d\nroot_propagation %u\n", p->root_readonly, p->root_propagation);
	printf("no_pivot %d\nno_mountns %d\npath_walk %d\n", p->no_pivot, p->no_mountns, p->path_walk);
	for (size_t i = 0; i < p->nmounts; i++)
		dump_mount(i, &p->mounts[i]);
	for (size_t i = 0; i < p->ntree_fds; i++)
		printf("tree_fd[%zu] %d\n", i, p->tree_fds[i]);
	printf("setup_dev %d\n", p->setup_dev);
	for (size_t i = 0; i < p->ndevices; i++)
		dump_device(i, &p->devices[i]);
	for (size_t i = 0; i < p->ndev_symlinks; i++) {
		printf("dev_symlink[%zu].target ", i);
		str(p->dev_symlinks[i].target);
		printf("dev_symlink[%zu].path ", i);
		str(p->dev_symlinks[i].path);
	}
	strv("masked", &p->masked);
	strv("readonly", &p->readonly);
}

static void dump_hook(size_t i, const struct hook_entry *h)
{
	char prefix[64];
	printf("hook[%zu].kind %u\nhook[%zu].path ", i, h->kind, i);
	str(h->path);
	snprintf(prefix, sizeof(prefix), "hook[%zu].arg", i);
	strv(prefix, &h->args);
	snprintf(prefix, sizeof(prefix), "hook[%zu].env", i);
	strv(prefix, &h->env);
	printf("hook[%zu].timeout %u\n", i, h->timeout);
}

static void dump_container(const struct plan *p)
{
	printf("session_keyring ");
	str(p->session_keyring);
	printf("hostname ");
	str(p->hostname);
	printf("domainname ");
	str(p->domainname);
	for (size_t i = 0; i < p->nsysctls; i++) {
		printf("sysctl[%zu].path ", i);
		str(p->sysctls[i].path);
		printf("sysctl[%zu].value ", i);
		str(p->sysctls[i].value);
	}
	printf("personality ");
	opt(p->has_personality, p->personality);
	printf("mempolicy %d\nmempolicy_mode %u\nmempolicy_nodes ", p->has_mempolicy, p->mempolicy_mode);
	bytes(p->mempolicy_nodes, p->mempolicy_nodes_len);
	printf("fifo_fd %d\n", p->fifo_fd);
	for (size_t i = 0; i < p->nhooks; i++)
		dump_hook(i, &p->hooks[i]);
}

static void dump_identity(const struct plan *p)
{
	printf("uid %u\ngid %u\n", p->uid, p->gid);
	for (size_t i = 0; i < p->nadditional_gids; i++)
		printf("additional_gid[%zu] %u\n", i, p->additional_gids[i]);
	printf("setgroups %d\numask ", p->setgroups);
	opt(p->has_umask, p->umask);
	printf("caps %d\ncap_bounding %llu\ncap_effective %llu\ncap_inheritable %llu\n", p->has_caps,
	       (unsigned long long)p->cap_bounding, (unsigned long long)p->cap_effective,
	       (unsigned long long)p->cap_inheritable);
	printf("cap_permitted %llu\ncap_ambient %llu\n", (unsigned long long)p->cap_permitted,
	       (unsigned long long)p->cap_ambient);
	printf("no_new_privs %d\nexec_label ", p->no_new_privs);
	str(p->exec_label);
	printf("apparmor ");
	str(p->apparmor);
}

static void dump_limits(const struct plan *p)
{
	for (size_t i = 0; i < p->nrlimits; i++)
		printf("rlimit[%zu].type %u\nrlimit[%zu].soft %llu\nrlimit[%zu].hard %llu\n", i, p->rlimits[i].type, i,
		       (unsigned long long)p->rlimits[i].soft, i, (unsigned long long)p->rlimits[i].hard);
	printf("oom_score_adj ");
	opt(p->has_oom_score_adj, p->oom_score_adj);
	printf("scheduler %d\nsched_policy %u\nsched_flags %llu\nsched_nice %d\nsched_priority %u\n",
	       p->has_scheduler, p->sched_policy, (unsigned long long)p->sched_flags, p->sched_nice,
	       p->sched_priority);
	printf("sched_runtime %llu\nsched_deadline %llu\nsched_period %llu\n", (unsigned long long)p->sched_runtime,
	       (unsigned long long)p->sched_deadline, (unsigned long long)p->sched_period);
	printf("sched_with_cpus %d\n", p->sched_with_cpus);
	printf("ioprio ");
	opt(p->has_ioprio, p->ioprio);
	printf("cpu_affinity ");
	bytes(p->cpu_affinity, p->cpu_affinity_len);
	printf("cpu_affinity_reset %d\n", p->cpu_affinity_reset);
}

static void dump_process(const struct plan *p)
{
	strv("arg", &p->args);
	strv("env", &p->env);
	printf("cwd ");
	str(p->cwd);
	dump_identity(p);
	dump_limits(p);
	printf("terminal %d\nconsole_fd %d\n", p->terminal, p->console_fd);
	printf("console_no_onlcr %d\n", p->console_no_onlcr);
	printf("console_height %u\nconsole_width %u\n", p->console_height, p->console_width);
	printf("preserve_fds %u\nseccomp ", p->preserve_fds);
	bytes(p->seccomp, p->seccomp_len);
	printf("seccomp_flags %u\nseccomp_notify %d\n", p->seccomp_flags, p->seccomp_notify);
}

/* dump prints the plan in the order of struct plan's groups. */
static void dump(const struct plan *p)
{
	printf("mode %u\n", p->mode);
	dump_namespaces(p);
	dump_rootfs(p);
	dump_container(p);
	dump_process(p);
}

int main(void)
{
	static struct plan plan;
	size_t len = 0, cap = 1 << 16;
	uint8_t *buf = malloc(cap);
	ssize_t n;
	char err[512];

	while (buf && (n = read(0, buf + len, cap - len)) > 0) {
		len += (size_t)n;
		if (len == cap)
			buf = realloc(buf, cap *= 2);
	}
	if (!buf)
		return 2;
	if (plan_decode(&plan, buf, len, err, sizeof(err)) < 0) {
		printf("error: %s\n", err);
		return 1;
	}
	dump(&plan);
	plan_free(&plan);
	free(buf);
	return 0;
}
