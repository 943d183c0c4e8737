/*
 * cpus.c: default thread counts follow the CPUs the process may use, not
 * the machine's: a daemon pinned to one CPU gains nothing from a thread
 * per online CPU, and pays a context switch per handed-over job.
 */
#include <sched.h>
#include <unistd.h>

#include "util/cpus.h"

unsigned util_cpus_usable(void)
{
	cpu_set_t set;
	long n;

	CPU_ZERO(&set);
	if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
		return (unsigned)CPU_COUNT(&set);
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (unsigned)n : 1;
}
