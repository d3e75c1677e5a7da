/*
 * The time page the sentry keeps current, shared with sentry/vdso/vdso.go
 * (type params). It is mapped read-only one page below the vDSO.
 */
#ifndef MOAT_VDSO_H
#define MOAT_VDSO_H

struct vvar {
	unsigned int seq;   /* odd while the sentry updates the page */
	unsigned int ready; /* the parameters are valid */
	unsigned long tsc_base;
	unsigned long mult; /* nanoseconds per TSC tick, << 32 */
	long mono_base;     /* CLOCK_MONOTONIC at tsc_base, ns */
	long real_off;      /* CLOCK_REALTIME - CLOCK_MONOTONIC, ns */
	long boot_off;      /* CLOCK_BOOTTIME - CLOCK_MONOTONIC, ns */
};

#endif
