/*
 * libFuzzer harness of the init's plan decoder (plan.c): whatever the
 * bytes, plan_decode must return 0 or -1 without reading or writing out of
 * bounds (CVE-2021-43784 was an overflow in runc's equivalent). Built by
 * run.sh with clang -fsanitize=fuzzer,address,undefined.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "plan_free.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct plan plan;
	char err[512];

	if (plan_decode(&plan, data, size, err, sizeof(err)) == 0) {
		/* what the init relies on after a successful decode: an exec
		 * has args; a create may have none (a config without process,
		 * which start refuses) */
		if (plan.args.n == 0 && plan.mode == MODE_EXEC)
			__builtin_trap();
		if (plan.args.n > 0 && plan.args.v[plan.args.n] != NULL)
			__builtin_trap();
		for (size_t i = 0; i < plan.nmounts; i++)
			if (!plan.mounts[i].dest || plan.mounts[i].dest[0] != '/')
				__builtin_trap();
	} else if (memchr(err, '\0', sizeof(err)) == NULL) {
		__builtin_trap();
	}
	plan_free(&plan);
	return 0;
}
