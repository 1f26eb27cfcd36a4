/*
 * plan_dump reads a plan (the payload of MSG_PLAN) on stdin, decodes it
 * with the init's decoder and prints a canonical dump, one field a line,
 * or "error: ..." and exit status 1. libcontainer's fuzz test checks that
 * every plan the Go encoder makes decodes to what it encoded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "plan_free.h"

static void strs(const char *name, const struct strv *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		printf("%s %s\n", name, sv->v[i]);
}

static const char *opt(const char *s)
{
	return s ? s : "-";
}

static void dump(const struct plan *p)
{
	printf("mode %u\n", p->mode);
	printf("rootfs %s\n", opt(p->rootfs));
	strs("arg", &p->args);
	strs("env", &p->env);
	printf("cwd %s\n", opt(p->cwd));
	printf("user %u %u\n", p->uid, p->gid);
	for (size_t i = 0; i < p->nadditional_gids; i++)
		printf("gid %u\n", p->additional_gids[i]);
	for (size_t i = 0; i < p->nmounts; i++) {
		const struct mount_entry *m = &p->mounts[i];
		printf("mount %u %s %s %s %u %s\n", m->kind, m->dest, opt(m->source), opt(m->fstype),
		       m->flags, opt(m->data));
	}
	for (size_t i = 0; i < p->ndevices; i++) {
		const struct device_entry *d = &p->devices[i];
		printf("device %s %c %u %u %o\n", d->path, (char)d->type, d->major, d->minor, d->mode);
	}
	strs("masked", &p->masked);
	strs("readonly", &p->readonly);
	printf("hostname %s\n", opt(p->hostname));
	for (size_t i = 0; i < p->nsysctls; i++)
		printf("sysctl %s %s\n", p->sysctls[i].path, p->sysctls[i].value);
	for (size_t i = 0; i < p->nrlimits; i++)
		printf("rlimit %u %llu %llu\n", p->rlimits[i].type, (unsigned long long)p->rlimits[i].soft,
		       (unsigned long long)p->rlimits[i].hard);
	printf("exec_label %s\napparmor %s\n", opt(p->exec_label), opt(p->apparmor));
	for (size_t i = 0; i < p->nhooks; i++)
		printf("hook %u %s %zu %zu\n", p->hooks[i].kind, p->hooks[i].path, p->hooks[i].args.n,
		       p->hooks[i].env.n);
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
