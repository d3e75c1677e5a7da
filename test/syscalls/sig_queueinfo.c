//go:build ignore

/*
 * rt_sigqueueinfo and rt_tgsigqueueinfo: the receiver gets the caller's
 * siginfo as given (si_value, a negative si_code); to another process a
 * si_code >= 0 (kernel-reserved) or SI_TKILL is refused with EPERM, while
 * to oneself it is allowed; the thread variant reaches the named thread
 * and checks that it belongs to tgid (ESRCH); bad signal numbers EINVAL.
 */
#include "testutil.h"
#include <pthread.h>

static volatile int got_sig, got_code, got_int, got_pid, got_uid;
static volatile pid_t got_tid;

static void handler(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	got_sig = sig;
	got_code = si->si_code;
	got_int = si->si_value.sival_int;
	got_pid = si->si_pid;
	got_uid = si->si_uid;
	got_tid = (pid_t)RAW(SYS_gettid);
}

static void fill(siginfo_t *si, int sig, int code, int val)
{
	memset(si, 0, sizeof(*si));
	si->si_signo = sig;
	si->si_code = code;
	si->si_pid = 4242; /* what the caller claims */
	si->si_uid = 77;
	si->si_value.sival_int = val;
}

static volatile pid_t thread_tid;
static volatile int thread_stop;

static void *thread_fn(void *arg)
{
	(void)arg;
	thread_tid = (pid_t)RAW(SYS_gettid);
	while (!thread_stop)
		sched_yield();
	return NULL;
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = handler;
	sa.sa_flags = SA_SIGINFO;
	CHECK_OK(sigaction(SIGUSR1, &sa, NULL));
	CHECK_OK(sigaction(SIGRTMIN + 3, &sa, NULL));
	siginfo_t si;
	pid_t me = getpid();

	/* To self: delivered as given, with the caller's made-up si_pid. */
	fill(&si, SIGUSR1, SI_QUEUE, 31337);
	CHECK_EQ(RAW(SYS_rt_sigqueueinfo, me, SIGUSR1, &si), 0);
	CHECK_EQ(got_sig, SIGUSR1);
	CHECK_EQ(got_code, SI_QUEUE);
	CHECK_EQ(got_int, 31337);
	CHECK_EQ(got_pid, 4242);
	CHECK_EQ(got_uid, 77);
	/* To self, a kernel si_code is allowed too. */
	fill(&si, SIGUSR1, SI_USER, 5);
	CHECK_EQ(RAW(SYS_rt_sigqueueinfo, me, SIGUSR1, &si), 0);
	CHECK_EQ(got_code, SI_USER);
	CHECK_EQ(got_int, 5);
	/* The signal argument wins over si_signo. */
	fill(&si, SIGUSR2, SI_QUEUE, 6);
	CHECK_EQ(RAW(SYS_rt_sigqueueinfo, me, SIGRTMIN + 3, &si), 0);
	CHECK_EQ(got_sig, SIGRTMIN + 3);
	CHECK_EQ(got_int, 6);

	/* To a child: negative codes pass, si_code >= 0 and SI_TKILL are EPERM. */
	sigset_t b;
	sigemptyset(&b);
	sigaddset(&b, SIGUSR1);
	CHECK_OK(sigprocmask(SIG_BLOCK, &b, NULL));
	int p[2];
	ASSERT_OK(pipe(p));
	pid_t pid = test_fork();
	if (pid == 0) {
		close(p[1]);
		char c;
		if (read(p[0], &c, 1) != 1)
			_exit(3);
		siginfo_t ci;
		struct timespec zero = { 0, 0 };
		CHECK_EQ(sigtimedwait(&b, &ci, &zero), SIGUSR1);
		CHECK_EQ(ci.si_code, SI_QUEUE);
		CHECK_EQ(ci.si_value.sival_int, 808);
		CHECK_EQ(ci.si_pid, 4242);
		CHECK_ERRNO(sigtimedwait(&b, &ci, &zero), -1, EAGAIN);
		child_exit();
	}
	close(p[0]);
	fill(&si, SIGUSR1, SI_USER, 1);
	CHECK_ERRNO(RAW(SYS_rt_sigqueueinfo, pid, SIGUSR1, &si), -1, EPERM);
	fill(&si, SIGUSR1, SI_KERNEL, 1);
	CHECK_ERRNO(RAW(SYS_rt_sigqueueinfo, pid, SIGUSR1, &si), -1, EPERM);
	fill(&si, SIGUSR1, SI_TKILL, 1);
	CHECK_ERRNO(RAW(SYS_rt_sigqueueinfo, pid, SIGUSR1, &si), -1, EPERM);
	fill(&si, SIGUSR1, SI_QUEUE, 808);
	CHECK_EQ(RAW(SYS_rt_sigqueueinfo, pid, SIGUSR1, &si), 0);
	CHECK_EQ(write(p[1], "x", 1), 1);
	close(p[1]);
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);
	CHECK_OK(sigprocmask(SIG_UNBLOCK, &b, NULL));

	/* rt_tgsigqueueinfo: reaches the named thread. */
	pthread_t th;
	ASSERT_EQ(pthread_create(&th, NULL, thread_fn, NULL), 0);
	while (!thread_tid)
		sched_yield();
	got_tid = 0;
	fill(&si, SIGRTMIN + 3, SI_QUEUE, 12);
	CHECK_EQ(RAW(SYS_rt_tgsigqueueinfo, me, thread_tid, SIGRTMIN + 3, &si), 0);
	long long t0 = now_ns();
	while (got_tid == 0 && now_ns() - t0 < 10000000000LL)
		sched_yield();
	CHECK_EQ(got_tid, thread_tid);
	CHECK_EQ(got_int, 12);
	/* Wrong tgid for the tid: ESRCH. Bad numbers: EINVAL. */
	CHECK_ERRNO(RAW(SYS_rt_tgsigqueueinfo, pid, thread_tid, SIGRTMIN + 3, &si), -1, ESRCH);
	CHECK_ERRNO(RAW(SYS_rt_tgsigqueueinfo, me, thread_tid, 65, &si), -1, EINVAL);
	CHECK_ERRNO(RAW(SYS_rt_tgsigqueueinfo, 0, thread_tid, SIGUSR1, &si), -1, EINVAL);
	CHECK_ERRNO(RAW(SYS_rt_tgsigqueueinfo, me, 0, SIGUSR1, &si), -1, EINVAL);
	thread_stop = 1;
	CHECK_EQ(pthread_join(th, NULL), 0);

	/* Signal 0 only checks that the target exists. */
	CHECK_EQ(RAW(SYS_rt_sigqueueinfo, me, 0, &si), 0);
	CHECK_ERRNO(RAW(SYS_rt_sigqueueinfo, me, 65, &si), -1, EINVAL);
	CHECK_ERRNO(RAW(SYS_rt_sigqueueinfo, me, SIGUSR1, (void *)1), -1, EFAULT);
	/* pid gone (the reaped child): ESRCH. */
	fill(&si, SIGUSR1, SI_QUEUE, 1);
	CHECK_ERRNO(RAW(SYS_rt_sigqueueinfo, pid, SIGUSR1, &si), -1, ESRCH);
	return test_done();
}
