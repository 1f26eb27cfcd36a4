/*
 * Decoding of the plan the parent sends (see protocol.h for the format).
 * Every length is checked against the buffer before it is used; a record
 * the decoder does not know is an error, since it means the parent and the
 * init disagree on the protocol.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"

struct tlv {
	const uint8_t *p, *end; /* the stream being walked */
	uint16_t tag;
	uint32_t len;
	const uint8_t *val;
};

struct dec {
	char *err;
	size_t errlen;
};

static int fail(struct dec *d, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(d->err, d->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* next advances to the next record; 1 if there is one, 0 at the end, -1 if malformed. */
static int next(struct tlv *t)
{
	if (t->p == t->end)
		return 0;
	if ((size_t)(t->end - t->p) < 8)
		return -1;
	uint16_t tag;
	uint32_t len;
	memcpy(&tag, t->p, 2);
	memcpy(&len, t->p + 4, 4);
	if (len > (size_t)(t->end - t->p) - 8)
		return -1;
	t->tag = tag;
	t->len = len;
	t->val = t->p + 8;
	t->p += 8 + (size_t)len;
	return 1;
}

static int get_u32(struct dec *d, const struct tlv *t, uint32_t *out)
{
	if (t->len != 4)
		return fail(d, "plan record %u: want 4 bytes, have %u", t->tag, t->len);
	memcpy(out, t->val, 4);
	return 0;
}

static int set_flag(struct dec *d, const struct tlv *t, int *dst)
{
	uint32_t v;
	if (get_u32(d, t, &v) < 0)
		return -1;
	*dst = v != 0;
	return 0;
}

static int get_u64(struct dec *d, const struct tlv *t, uint64_t *out)
{
	if (t->len != 8)
		return fail(d, "plan record %u: want 8 bytes, have %u", t->tag, t->len);
	memcpy(out, t->val, 8);
	return 0;
}

static int get_int(struct dec *d, const struct tlv *t, int *out)
{
	uint32_t v;
	if (get_u32(d, t, &v) < 0)
		return -1;
	if (v > 0x7fffffff)
		return fail(d, "plan record %u: value %u out of range", t->tag, v);
	*out = (int)v;
	return 0;
}

/* get_str checks that the value is a NUL-terminated string without inner NULs. */
static int get_str(struct dec *d, const struct tlv *t, const char **out)
{
	if (t->len == 0 || t->val[t->len - 1] != '\0' || memchr(t->val, '\0', t->len) != t->val + t->len - 1)
		return fail(d, "plan record %u: not a string", t->tag);
	*out = (const char *)t->val;
	return 0;
}

/* grow appends one zeroed element of size sz to *arr (n elements). */
static void *grow(void *arrp, size_t *n, size_t sz)
{
	void **arr = arrp;
	if (*n >= (1u << 20))
		return NULL;
	void *a = realloc(*arr, (*n + 1) * sz);
	if (!a)
		return NULL;
	*arr = a;
	void *e = (char *)a + *n * sz;
	memset(e, 0, sz);
	(*n)++;
	return e;
}

static int push_str(struct dec *d, const struct tlv *t, struct strv *sv)
{
	const char *s;
	if (get_str(d, t, &s) < 0)
		return -1;
	/* keep room for the terminating NULL; check the count first: a
	 * failed realloc keeps sv->v, a successful one must be stored */
	if (sv->n >= (1u << 20))
		return fail(d, "plan: too many strings");
	const char **v = realloc(sv->v, (sv->n + 2) * sizeof(*v));
	if (!v)
		return fail(d, "plan: out of memory");
	v[sv->n++] = s;
	v[sv->n] = NULL;
	sv->v = v;
	return 0;
}

#define NEW(arr, n) grow(&(arr), &(n), sizeof(*(arr)))

static int nested(const struct tlv *t, struct tlv *in)
{
	in->p = t->val;
	in->end = t->val + t->len;
	return 0;
}

#define WALK(d, in, body)                                                   \
	do {                                                                \
		int r_;                                                     \
		while ((r_ = next(&(in))) > 0) {                            \
			body                                                \
		}                                                           \
		if (r_ < 0)                                                 \
			return fail((d), "plan: truncated nested record"); \
	} while (0)

static int dec_join(struct dec *d, struct plan *p, const struct tlv *t)
{
	struct tlv in;
	struct ns_join *j = NEW(p->joins, p->njoins);
	if (!j)
		return fail(d, "plan: out of memory");
	j->fd = -1;
	nested(t, &in);
	WALK(d, in, {
		switch (in.tag) {
		case T_NS_FLAG: if (get_u32(d, &in, &j->flag) < 0) return -1; break;
		case T_NS_FD: if (get_int(d, &in, &j->fd) < 0) return -1; break;
		default: return fail(d, "plan: unknown namespace record %u", in.tag);
		}
	});
	if (!j->flag || j->fd < 0)
		return fail(d, "plan: namespace join without flag or fd");
	return 0;
}

static int dec_mount(struct dec *d, struct plan *p, const struct tlv *t)
{
	struct tlv in;
	uint32_t v;
	struct mount_entry *m = NEW(p->mounts, p->nmounts);
	if (!m)
		return fail(d, "plan: out of memory");
	m->tree = -1;
	nested(t, &in);
	WALK(d, in, {
		switch (in.tag) {
		case T_M_KIND: if (get_u32(d, &in, &m->kind) < 0) return -1; break;
		case T_M_SOURCE: if (get_str(d, &in, &m->source) < 0) return -1; break;
		case T_M_DEST: if (get_str(d, &in, &m->dest) < 0) return -1; break;
		case T_M_FSTYPE: if (get_str(d, &in, &m->fstype) < 0) return -1; break;
		case T_M_FLAGS: if (get_u32(d, &in, &m->flags) < 0) return -1; break;
		case T_M_CLR_FLAGS: if (get_u32(d, &in, &m->clr_flags) < 0) return -1; break;
		case T_M_DATA: if (get_str(d, &in, &m->data) < 0) return -1; break;
		case T_M_PROPAGATION:
			if (m->npropagation >= sizeof(m->propagation) / sizeof(m->propagation[0]))
				return fail(d, "plan: too many propagation flags");
			if (get_u32(d, &in, &m->propagation[m->npropagation++]) < 0) return -1;
			break;
		case T_M_ATTR_SET: if (get_u64(d, &in, &m->attr_set) < 0) return -1; break;
		case T_M_ATTR_CLR: if (get_u64(d, &in, &m->attr_clr) < 0) return -1; break;
		case T_M_FILE: if (get_u32(d, &in, &v) < 0) return -1; m->is_file = v != 0; break;
		case T_M_TREE: if (get_int(d, &in, &m->tree) < 0) return -1; break;
		case T_M_ORIGIN: if (get_str(d, &in, &m->origin) < 0) return -1; break;
		case T_M_REMOUNT: if (get_u32(d, &in, &v) < 0) return -1; m->remount = v != 0; break;
		case T_M_COPYUP: if (get_u32(d, &in, &v) < 0) return -1; m->copyup = v != 0; break;
		case T_M_CLONED: if (get_u32(d, &in, &v) < 0) return -1; m->cloned = v != 0; break;
		default: return fail(d, "plan: unknown mount record %u", in.tag);
		}
	});
	if (m->kind < MOUNT_FS || m->kind > MOUNT_REMOUNT || !m->dest || m->dest[0] != '/')
		return fail(d, "plan: mount without kind or absolute destination");
	if ((m->kind == MOUNT_BIND || m->kind == MOUNT_SYMLINK) && !m->source)
		return fail(d, "plan: mount of %s without source", m->dest);
	if (m->kind == MOUNT_FS && !m->fstype)
		return fail(d, "plan: mount of %s without type", m->dest);
	if (m->kind == MOUNT_TREE && m->tree < 0)
		return fail(d, "plan: mount of %s without tree", m->dest);
	if (m->cloned && m->kind != MOUNT_BIND)
		return fail(d, "plan: mount of %s: only a bind's source is cloned", m->dest);
	return 0;
}

static int dec_device(struct dec *d, struct plan *p, const struct tlv *t)
{
	struct tlv in;
	uint32_t v;
	struct device_entry *e = NEW(p->devices, p->ndevices);
	if (!e)
		return fail(d, "plan: out of memory");
	nested(t, &in);
	WALK(d, in, {
		switch (in.tag) {
		case T_D_PATH: if (get_str(d, &in, &e->path) < 0) return -1; break;
		case T_D_TYPE: if (get_u32(d, &in, &e->type) < 0) return -1; break;
		case T_D_MAJOR: if (get_u32(d, &in, &e->major) < 0) return -1; break;
		case T_D_MINOR: if (get_u32(d, &in, &e->minor) < 0) return -1; break;
		case T_D_MODE: if (get_u32(d, &in, &e->mode) < 0) return -1; break;
		case T_D_UID: if (get_u32(d, &in, &e->uid) < 0) return -1; break;
		case T_D_GID: if (get_u32(d, &in, &e->gid) < 0) return -1; break;
		case T_D_BIND: if (get_u32(d, &in, &v) < 0) return -1; e->bind = v != 0; break;
		default: return fail(d, "plan: unknown device record %u", in.tag);
		}
	});
	if (!e->path || e->path[0] != '/' || (e->type != 'c' && e->type != 'b' && e->type != 'p'))
		return fail(d, "plan: device without absolute path or valid type");
	return 0;
}

static int dec_symlink(struct dec *d, struct plan *p, const struct tlv *t)
{
	struct tlv in;
	struct symlink_entry *e = NEW(p->dev_symlinks, p->ndev_symlinks);
	if (!e)
		return fail(d, "plan: out of memory");
	nested(t, &in);
	WALK(d, in, {
		switch (in.tag) {
		case T_L_TARGET: if (get_str(d, &in, &e->target) < 0) return -1; break;
		case T_L_PATH: if (get_str(d, &in, &e->path) < 0) return -1; break;
		default: return fail(d, "plan: unknown symlink record %u", in.tag);
		}
	});
	if (!e->target || !e->path || e->path[0] != '/')
		return fail(d, "plan: symlink without target or absolute path");
	return 0;
}

static int dec_sysctl(struct dec *d, struct plan *p, const struct tlv *t)
{
	struct tlv in;
	struct sysctl_entry *e = NEW(p->sysctls, p->nsysctls);
	if (!e)
		return fail(d, "plan: out of memory");
	nested(t, &in);
	WALK(d, in, {
		switch (in.tag) {
		case T_S_PATH: if (get_str(d, &in, &e->path) < 0) return -1; break;
		case T_S_VALUE: if (get_str(d, &in, &e->value) < 0) return -1; break;
		default: return fail(d, "plan: unknown sysctl record %u", in.tag);
		}
	});
	if (!e->path || !e->value || strncmp(e->path, "sys/", 4) != 0 || strstr(e->path, ".."))
		return fail(d, "plan: sysctl without a path below sys/ or a value");
	return 0;
}

static int dec_caps(struct dec *d, struct plan *p, const struct tlv *t)
{
	struct tlv in;
	p->has_caps = 1;
	nested(t, &in);
	WALK(d, in, {
		uint64_t *dst;
		switch (in.tag) {
		case T_C_BOUNDING: dst = &p->cap_bounding; break;
		case T_C_EFFECTIVE: dst = &p->cap_effective; break;
		case T_C_INHERITABLE: dst = &p->cap_inheritable; break;
		case T_C_PERMITTED: dst = &p->cap_permitted; break;
		case T_C_AMBIENT: dst = &p->cap_ambient; break;
		default: return fail(d, "plan: unknown capability record %u", in.tag);
		}
		if (get_u64(d, &in, dst) < 0)
			return -1;
	});
	return 0;
}

static int dec_rlimit(struct dec *d, struct plan *p, const struct tlv *t)
{
	struct tlv in;
	struct rlimit_entry *e = NEW(p->rlimits, p->nrlimits);
	if (!e)
		return fail(d, "plan: out of memory");
	nested(t, &in);
	WALK(d, in, {
		switch (in.tag) {
		case T_R_TYPE: if (get_u32(d, &in, &e->type) < 0) return -1; break;
		case T_R_SOFT: if (get_u64(d, &in, &e->soft) < 0) return -1; break;
		case T_R_HARD: if (get_u64(d, &in, &e->hard) < 0) return -1; break;
		default: return fail(d, "plan: unknown rlimit record %u", in.tag);
		}
	});
	return 0;
}

static int dec_hook(struct dec *d, struct plan *p, const struct tlv *t)
{
	struct tlv in;
	struct hook_entry *h = NEW(p->hooks, p->nhooks);
	if (!h)
		return fail(d, "plan: out of memory");
	nested(t, &in);
	WALK(d, in, {
		switch (in.tag) {
		case T_H_KIND: if (get_u32(d, &in, &h->kind) < 0) return -1; break;
		case T_H_PATH: if (get_str(d, &in, &h->path) < 0) return -1; break;
		case T_H_ARG: if (push_str(d, &in, &h->args) < 0) return -1; break;
		case T_H_ENV: if (push_str(d, &in, &h->env) < 0) return -1; break;
		case T_H_TIMEOUT: if (get_u32(d, &in, &h->timeout) < 0) return -1; break;
		default: return fail(d, "plan: unknown hook record %u", in.tag);
		}
	});
	if (!h->path || (h->kind != HOOK_CREATE_CONTAINER && h->kind != HOOK_START_CONTAINER))
		return fail(d, "plan: hook without path or kind");
	return 0;
}

static int dec_scheduler(struct dec *d, struct plan *p, const struct tlv *t)
{
	struct tlv in;
	uint32_t v;
	p->has_scheduler = 1;
	nested(t, &in);
	WALK(d, in, {
		switch (in.tag) {
		case T_SCHED_POLICY: if (get_u32(d, &in, &p->sched_policy) < 0) return -1; break;
		case T_SCHED_FLAGS: if (get_u64(d, &in, &p->sched_flags) < 0) return -1; break;
		case T_SCHED_NICE: if (get_u32(d, &in, &v) < 0) return -1; p->sched_nice = (int32_t)v; break;
		case T_SCHED_PRIORITY: if (get_u32(d, &in, &p->sched_priority) < 0) return -1; break;
		case T_SCHED_RUNTIME: if (get_u64(d, &in, &p->sched_runtime) < 0) return -1; break;
		case T_SCHED_DEADLINE: if (get_u64(d, &in, &p->sched_deadline) < 0) return -1; break;
		case T_SCHED_PERIOD: if (get_u64(d, &in, &p->sched_period) < 0) return -1; break;
		case T_SCHED_WITH_CPUS: if (set_flag(d, &in, &p->sched_with_cpus) < 0) return -1; break;
		default: return fail(d, "plan: unknown scheduler record %u", in.tag);
		}
	});
	return 0;
}

static int dec_mempolicy(struct dec *d, struct plan *p, const struct tlv *t)
{
	struct tlv in;
	p->has_mempolicy = 1;
	nested(t, &in);
	WALK(d, in, {
		switch (in.tag) {
		case T_MP_MODE: if (get_u32(d, &in, &p->mempolicy_mode) < 0) return -1; break;
		case T_MP_NODES: p->mempolicy_nodes = in.val; p->mempolicy_nodes_len = in.len; break;
		default: return fail(d, "plan: unknown memory policy record %u", in.tag);
		}
	});
	return 0;
}

static int push_fd(struct dec *d, const struct tlv *t, struct plan *p)
{
	int *fd = NEW(p->tree_fds, p->ntree_fds);
	if (!fd)
		return fail(d, "plan: out of memory");
	return get_int(d, t, fd);
}

static int push_task(struct dec *d, const struct tlv *t, struct plan *p)
{
	int *fd = NEW(p->cgroup_tasks, p->ncgroup_tasks);
	if (!fd)
		return fail(d, "plan: out of memory");
	return get_int(d, t, fd);
}

static int push_gid(struct dec *d, const struct tlv *t, struct plan *p)
{
	uint32_t *g = NEW(p->additional_gids, p->nadditional_gids);
	if (!g)
		return fail(d, "plan: out of memory");
	return get_u32(d, t, g);
}

static int dec_console_size(struct dec *d, const struct tlv *t, struct plan *p)
{
	if (t->len != 8)
		return fail(d, "plan: console size wants 8 bytes");
	memcpy(&p->console_height, t->val, 4);
	memcpy(&p->console_width, t->val + 4, 4);
	return 0;
}

static int dec_top(struct dec *d, struct plan *p, const struct tlv *t)
{
	switch (t->tag) {
	case T_MODE: return get_u32(d, t, &p->mode);
	case T_NS_JOIN: return dec_join(d, p, t);
	case T_UNSHARE: return get_u32(d, t, &p->unshare_flags);
	case T_NEW_USERNS: return set_flag(d, t, &p->new_userns);
	case T_TIMENS_OFFSETS: return get_str(d, t, &p->timens_offsets);
	case T_FORK: return set_flag(d, t, &p->fork);
	case T_NS_PIDFD: return get_int(d, t, &p->ns_pidfd);
	case T_NS_PIDFD_FLAGS: return get_u32(d, t, &p->ns_pidfd_flags);
	case T_ROOTFS: return get_str(d, t, &p->rootfs);
	case T_ROOT_READONLY: return set_flag(d, t, &p->root_readonly);
	case T_ROOT_PROPAGATION: return get_u32(d, t, &p->root_propagation);
	case T_NO_PIVOT: return set_flag(d, t, &p->no_pivot);
	case T_NO_MOUNTNS: return set_flag(d, t, &p->no_mountns);
	case T_CGROUP_TASKS: return push_task(d, t, p);
	case T_PATH_WALK: return set_flag(d, t, &p->path_walk);
	case T_SESSION_KEYRING: return get_str(d, t, &p->session_keyring);
	case T_MOUNT: return dec_mount(d, p, t);
	case T_TREE_FD: return push_fd(d, t, p);
	case T_SETUP_DEV: return set_flag(d, t, &p->setup_dev);
	case T_DEVICE: return dec_device(d, p, t);
	case T_DEV_SYMLINK: return dec_symlink(d, p, t);
	case T_MASKED: return push_str(d, t, &p->masked);
	case T_READONLY: return push_str(d, t, &p->readonly);
	case T_HOSTNAME: return get_str(d, t, &p->hostname);
	case T_DOMAINNAME: return get_str(d, t, &p->domainname);
	case T_SYSCTL: return dec_sysctl(d, p, t);
	case T_PERSONALITY: p->has_personality = 1; return get_u32(d, t, &p->personality);
	case T_ARG: return push_str(d, t, &p->args);
	case T_ENV: return push_str(d, t, &p->env);
	case T_CWD: return get_str(d, t, &p->cwd);
	case T_UID: return get_u32(d, t, &p->uid);
	case T_GID: return get_u32(d, t, &p->gid);
	case T_ADDITIONAL_GID: return push_gid(d, t, p);
	case T_SETGROUPS: return set_flag(d, t, &p->setgroups);
	case T_UMASK: p->has_umask = 1; return get_u32(d, t, &p->umask);
	case T_CAPS: return dec_caps(d, p, t);
	case T_RLIMIT: return dec_rlimit(d, p, t);
	case T_NO_NEW_PRIVS: return set_flag(d, t, &p->no_new_privs);
	case T_OOM_SCORE_ADJ: p->has_oom_score_adj = 1; return get_u32(d, t, (uint32_t *)&p->oom_score_adj);
	case T_TERMINAL: return set_flag(d, t, &p->terminal);
	case T_CONSOLE_NO_ONLCR: return set_flag(d, t, &p->console_no_onlcr);
	case T_CONSOLE_FD: return get_int(d, t, &p->console_fd);
	case T_CONSOLE_SIZE: return dec_console_size(d, t, p);
	case T_FIFO_FD: return get_int(d, t, &p->fifo_fd);
	case T_PRESERVE_FDS: return get_u32(d, t, &p->preserve_fds);
	case T_HOOK: return dec_hook(d, p, t);
	case T_SCHEDULER: return dec_scheduler(d, p, t);
	case T_IOPRIO: p->has_ioprio = 1; return get_u32(d, t, &p->ioprio);
	case T_SECCOMP:
		if (t->len == 0 || t->len % 8 != 0 || t->len / 8 > 4096)
			return fail(d, "plan: seccomp program of %u bytes", t->len);
		p->seccomp = t->val;
		p->seccomp_len = t->len;
		return 0;
	case T_SECCOMP_FLAGS: return get_u32(d, t, &p->seccomp_flags);
	case T_SECCOMP_NOTIFY: return set_flag(d, t, &p->seccomp_notify);
	case T_EXEC_LABEL: return get_str(d, t, &p->exec_label);
	case T_APPARMOR: return get_str(d, t, &p->apparmor);
	case T_CPU_AFFINITY:
		p->cpu_affinity = t->val;
		p->cpu_affinity_len = t->len;
		return 0;
	case T_MEMPOLICY: return dec_mempolicy(d, p, t);
	case T_CPU_AFFINITY_RESET: return set_flag(d, t, &p->cpu_affinity_reset);
	default: return fail(d, "plan: unknown record %u", t->tag);
	}
}

int plan_decode(struct plan *p, const uint8_t *buf, size_t len, char *err, size_t errlen)
{
	struct dec d = {err, errlen};
	struct tlv t = {buf, buf + len, 0, 0, NULL};
	int r;

	memset(p, 0, sizeof(*p));
	p->console_fd = -1;
	p->fifo_fd = -1;
	p->ns_pidfd = -1;
	while ((r = next(&t)) > 0)
		if (dec_top(&d, p, &t) < 0)
			return -1;
	if (r < 0)
		return fail(&d, "plan: truncated record");
	if (p->mode != MODE_CREATE && p->mode != MODE_EXEC)
		return fail(&d, "plan: no mode");
	for (size_t i = 0; i < p->nmounts; i++)
		if (p->mounts[i].kind == MOUNT_TREE && (size_t)p->mounts[i].tree >= p->ntree_fds)
			return fail(&d, "plan: mount of %s names a missing tree", p->mounts[i].dest);
	/* a container may be created without a process (start refuses it) */
	if (p->args.n == 0 && p->mode == MODE_EXEC)
		return fail(&d, "plan: no process args");
	return 0;
}
