//go:build ignore

/*
 * Hostile arguments: many syscalls called with bad pointers, bad fds,
 * huge lengths and garbage flags must fail cleanly (or succeed), and
 * never crash the kernel serving them. Each call's result is checked
 * only for being a clean return; the test then proves the process still
 * works.
 */
#include "testutil.h"
#include <sys/syscall.h>

static const long bad_ptrs[] = {0, 8, -1, 0x7fffffffffffL, (long)0xffff800000000000UL, 4095};
static const long bad_ints[] = {-1, 0, 9999, 0x7fffffff, (long)0x8000000000000000UL, 0x41414141};

int main(void)
{
	/* Calls that never block or end the process whatever the arguments. */
	static const int nrs[] = {
		SYS_read, SYS_write, SYS_open, SYS_close, SYS_stat, SYS_fstat, SYS_lstat,
		SYS_lseek, SYS_mprotect, SYS_brk, SYS_rt_sigaction, SYS_rt_sigprocmask, SYS_ioctl,
		SYS_pread64, SYS_pwrite64, SYS_readv, SYS_writev, SYS_access, SYS_pipe,
		SYS_mremap, SYS_msync, SYS_mincore, SYS_madvise, SYS_dup, SYS_dup2, SYS_getitimer,
		SYS_getpid, SYS_sendfile, SYS_socket, SYS_uname, SYS_fcntl,
		SYS_flock, SYS_fsync, SYS_truncate, SYS_ftruncate, SYS_getdents, SYS_getcwd,
		SYS_chdir, SYS_fchdir, SYS_rename, SYS_mkdir, SYS_rmdir, SYS_creat, SYS_link,
		SYS_unlink, SYS_symlink, SYS_readlink, SYS_chmod, SYS_fchmod, SYS_chown, SYS_umask,
		SYS_gettimeofday, SYS_getrlimit, SYS_getrusage, SYS_sysinfo, SYS_times, SYS_getuid,
		SYS_getgroups, SYS_getresuid, SYS_getpgid, SYS_capget, SYS_rt_sigpending,
		SYS_sigaltstack, SYS_statfs, SYS_fstatfs, SYS_getpriority, SYS_sched_getparam,
		SYS_sched_getscheduler, SYS_sched_get_priority_max, SYS_prctl, SYS_arch_prctl,
		SYS_gettid, SYS_time, SYS_futex, SYS_sched_getaffinity, SYS_set_tid_address,
		SYS_clock_gettime, SYS_clock_getres, SYS_epoll_create, SYS_epoll_ctl,
		SYS_getdents64, SYS_newfstatat, SYS_readlinkat, SYS_faccessat, SYS_timer_gettime,
		SYS_timerfd_create, SYS_timerfd_gettime, SYS_eventfd2, SYS_epoll_create1, SYS_dup3,
		SYS_pipe2, SYS_prlimit64, SYS_getrandom, SYS_memfd_create, SYS_statx,
		SYS_close_range, SYS_get_robust_list, SYS_getcpu, SYS_mlock, SYS_munlock,
		SYS_sched_rr_get_interval, SYS_waitid, SYS_capset, SYS_rt_sigqueueinfo,
	};
	long calls = 0;
	for (unsigned i = 0; i < sizeof(nrs) / sizeof(nrs[0]); i++) {
		for (unsigned j = 0; j < sizeof(bad_ptrs) / sizeof(bad_ptrs[0]); j++) {
			for (unsigned k = 0; k < sizeof(bad_ints) / sizeof(bad_ints[0]); k++) {
				long a = bad_ints[k], p = bad_ptrs[j];
				/* Keep fd 0-2 and the process alive: never pass a
				 * valid low fd to calls that close or replace. */
				if ((int)a >= 0 && (int)a <= 2)
					a = 9999;
				errno = 0;
				long r = syscall(nrs[i], a, p, a, p, a, p);
				if (r == -1 && (errno <= 0 || errno > 4095))
					FAIL("syscall %d: bad errno %d", nrs[i], errno);
				calls++;
				/* Anything that got created is closed again. */
				if (r > 2 && r < 1024 && nrs[i] != SYS_getpid && nrs[i] != SYS_gettid &&
				    nrs[i] != SYS_getuid && nrs[i] != SYS_getpgid && nrs[i] != SYS_time &&
				    nrs[i] != SYS_set_tid_address)
					close(r);
			}
		}
	}
	CHECK_GT(calls, 1000);
	/* The process and its kernel still work. */
	char buf[4];
	int p[2];
	CHECK_OK(pipe(p));
	CHECK_EQ(write(p[1], "ok", 2), 2);
	CHECK_EQ(read(p[0], buf, 2), 2);
	CHECK_MEMEQ(buf, "ok", 2);
	return test_done();
}
