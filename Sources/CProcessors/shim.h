#ifndef REEL_CPROCESSORS_SHIM_H
#define REEL_CPROCESSORS_SHIM_H

#ifdef __linux__
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sched.h>

/* Restricts the calling thread, and every thread it starts from now on, to the first `count`
   processors it may run on. Returns the number it may now use, or -1 when the system refused. */
static inline int reel_restrict_to_processors(int count) {
    cpu_set_t allowed, chosen;
    CPU_ZERO(&chosen);
    if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0) return -1;
    int taken = 0;
    for (int cpu = 0; cpu < CPU_SETSIZE && taken < count; cpu++) {
        if (CPU_ISSET(cpu, &allowed)) { CPU_SET(cpu, &chosen); taken++; }
    }
    if (taken == 0) return -1;
    if (sched_setaffinity(0, sizeof(chosen), &chosen) != 0) return -1;
    return taken;
}

#include <sys/prctl.h>
#include <signal.h>
#include <unistd.h>

/* Has the kernel kill this process when its parent dies (a worker process of `reel serve` must
   not outlive a server that was killed). Returns 0, or -1 when the parent is no longer `parent`
   (it died before the request took effect) or the system refused. */
static inline int reel_die_with_parent(int parent) {
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) return -1;
    return getppid() == parent ? 0 : -1;
}
#else
static inline int reel_restrict_to_processors(int count) { (void)count; return -1; }
static inline int reel_die_with_parent(int parent) { (void)parent; return 0; }
#endif

#endif
