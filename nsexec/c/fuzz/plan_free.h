/* plan_free releases what plan_decode allocated (the init never frees: it
 * lives as long as the plan). For the fuzz harnesses only. */
#ifndef BERTH_PLAN_FREE_H
#define BERTH_PLAN_FREE_H

#include <stdlib.h>

#include "../plan.h"

static inline void plan_free(struct plan *p)
{
	for (size_t i = 0; i < p->nhooks; i++) {
		free(p->hooks[i].args.v);
		free(p->hooks[i].env.v);
	}
	free(p->hooks);
	free(p->joins);
	free(p->cgroup_tasks);
	free(p->mounts);
	free(p->tree_fds);
	free(p->devices);
	free(p->dev_symlinks);
	free(p->masked.v);
	free(p->readonly.v);
	free(p->sysctls);
	free(p->args.v);
	free(p->env.v);
	free(p->additional_gids);
	free(p->rlimits);
}

#endif
