/*
 * cpus.h: how many CPUs this process may run on, for default thread counts.
 */
#ifndef PAL_UTIL_CPUS_H
#define PAL_UTIL_CPUS_H

/* The CPUs in the process's affinity mask (taskset, systemd CPUAffinity=,
 * a cgroup's cpuset), else the online CPUs; at least 1. */
unsigned util_cpus_usable(void);

#endif
