//go:build ignore

/* /proc/PID/stat: 52 fields; the command name is in parentheses and may hold spaces and parentheses; pid, ppid and state fields; the same for a thread under task/. */
#include "testutil.h"
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <dirent.h>
#include <pthread.h>
#include <sys/prctl.h>

static int fields(const char *path, char *comm, size_t n, char *state, int *pid, int *ppid)
{
	char buf[2048];
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	int len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return -1;
	buf[len] = 0;
	char *l = strchr(buf, '('), *r = strrchr(buf, ')');
	if (!l || !r || r < l)
		return -2;
	*pid = atoi(buf);
	snprintf(comm, n, "%.*s", (int)(r - l - 1), l + 1);
	/* Fields after the name: count them. */
	int count = 2;
	char *save;
	char *rest = r + 2;
	for (char *w = strtok_r(rest, " \n", &save); w; w = strtok_r(NULL, " \n", &save)) {
		count++;
		if (count == 3)
			*state = w[0];
		if (count == 4)
			*ppid = atoi(w);
	}
	return count;
}

static volatile int stop, named;
static void *spin(void *a)
{
	(void)a;
	prctl(PR_SET_NAME, "th) (x");
	named = 1;
	while (!stop)
		usleep(1000);
	return NULL;
}

int main(void)
{
	char comm[64], state;
	int pid, ppid;
	ASSERT_OK(prctl(PR_SET_NAME, "a) b (c"));
	CHECK_EQ(fields("/proc/self/stat", comm, sizeof(comm), &state, &pid, &ppid), 52);
	CHECK_STREQ(comm, "a) b (c");
	CHECK_EQ(pid, getpid());
	CHECK_EQ(ppid, getppid());
	CHECK_EQ(state, 'R');
	/* A stopped child shows T, a zombie Z. */
	pid_t c = fork();
	if (c == 0) {
		raise(SIGSTOP);
		_exit(0);
	}
	int st;
	ASSERT_EQ(waitpid(c, &st, WUNTRACED), c);
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/stat", c);
	CHECK_EQ(fields(path, comm, sizeof(comm), &state, &pid, &ppid), 52);
	CHECK_EQ(state, 'T');
	CHECK_EQ(pid, c);
	CHECK_EQ(ppid, getpid());
	CHECK_OK(kill(c, SIGCONT));
	siginfo_t si;
	ASSERT_OK(waitid(P_PID, c, &si, WEXITED | WNOWAIT));
	CHECK_EQ(fields(path, comm, sizeof(comm), &state, &pid, &ppid), 52);
	CHECK_EQ(state, 'Z');
	ASSERT_EQ(waitpid(c, &st, 0), c);
	CHECK_ERRNO(open(path, O_RDONLY), -1, ENOENT);
	/* A thread's own stat under task/. */
	pthread_t th;
	ASSERT_EQ(pthread_create(&th, NULL, spin, NULL), 0);
	while (!named)
		usleep(1000);
	int found = 0;
	DIR *d = opendir("/proc/self/task");
	ASSERT_NE(d, NULL);
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		char tp[300];
		snprintf(tp, sizeof(tp), "/proc/self/task/%s/stat", de->d_name);
		if (fields(tp, comm, sizeof(comm), &state, &pid, &ppid) == 52 && strcmp(comm, "th) (x") == 0) {
			found++;
			CHECK_EQ(pid, atoi(de->d_name));
		}
	}
	closedir(d);
	CHECK_EQ(found, 1);
	stop = 1;
	pthread_join(th, NULL);
	return test_done();
}
