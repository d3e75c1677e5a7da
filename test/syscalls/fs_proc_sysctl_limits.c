//go:build ignore

/*
 * The /proc/sys limits that programs read before they use the thing they
 * limit say what the kernel then does: kernel/sem (SEMMSL, SEMMNS,
 * SEMOPM, SEMMNI) bounds semget and semop, kernel/msgmax a message's
 * size, kernel/msgmnb a queue's bytes, net/ipv4/ip_local_port_range
 * the port an unbound socket gets, and ip_default_ttl a socket's TTL.
 */
#include "testutil.h"
#include <netinet/in.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/socket.h>

static long num(const char *path)
{
	char buf[64];
	if (read_text(path, buf, sizeof(buf)) <= 0)
		return -1;
	return atol(buf);
}

int main(void)
{
	char buf[128];
	long msl, mns, opm, mni;
	ASSERT_GT(read_text("/proc/sys/kernel/sem", buf, sizeof(buf)), 0);
	CHECK_EQ(sscanf(buf, "%ld\t%ld\t%ld\t%ld\n", &msl, &mns, &opm, &mni), 4);
	CHECK_ERRNO(semget(IPC_PRIVATE, msl + 1, 0600), -1, EINVAL);
	int sem = semget(IPC_PRIVATE, 2, 0600);
	ASSERT_GE(sem, 0);
	/* More operations in one semop than SEMOPM is E2BIG. */
	struct sembuf *ops = calloc(opm + 1, sizeof(*ops));
	ASSERT_NE(ops, NULL);
	for (long i = 0; i <= opm; i++) {
		ops[i].sem_num = 0;
		ops[i].sem_op = 1;
	}
	CHECK_ERRNO(semop(sem, ops, opm + 1), -1, E2BIG);
	CHECK_OK(semop(sem, ops, opm));
	CHECK_OK(semctl(sem, 0, IPC_RMID));
	free(ops);

	long msgmax = num("/proc/sys/kernel/msgmax"), msgmnb = num("/proc/sys/kernel/msgmnb");
	CHECK_GT(msgmax, 0);
	CHECK_GE(msgmnb, msgmax);
	int q = msgget(IPC_PRIVATE, 0600);
	ASSERT_GE(q, 0);
	struct {
		long type;
		char text[1 << 16];
	} *m = calloc(1, sizeof(*m));
	ASSERT_NE(m, NULL);
	ASSERT_GT((long)sizeof(m->text), msgmax);
	m->type = 1;
	CHECK_ERRNO(msgsnd(q, m, msgmax + 1, IPC_NOWAIT), -1, EINVAL);
	/* A queue takes msgmnb bytes and no more. */
	long sent = 0;
	while (sent + msgmax <= msgmnb && msgsnd(q, m, msgmax, IPC_NOWAIT) == 0)
		sent += msgmax;
	CHECK_EQ(sent, msgmnb / msgmax * msgmax);
	CHECK_ERRNO(msgsnd(q, m, msgmnb - sent + 1, IPC_NOWAIT), -1, EAGAIN);
	struct msqid_ds ds;
	CHECK_OK(msgctl(q, IPC_STAT, &ds));
	CHECK_EQ((long)ds.msg_qbytes, msgmnb);
	CHECK_OK(msgctl(q, IPC_RMID, NULL));
	free(m);

	long lo, hi;
	ASSERT_GT(read_text("/proc/sys/net/ipv4/ip_local_port_range", buf, sizeof(buf)), 0);
	CHECK_EQ(sscanf(buf, "%ld\t%ld\n", &lo, &hi), 2);
	CHECK_LT(lo, hi);
	for (int i = 0; i < 20; i++) {
		int s = socket(AF_INET, SOCK_STREAM, 0);
		ASSERT_GE(s, 0);
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		CHECK_OK(bind(s, (struct sockaddr *)&a, sizeof(a)));
		socklen_t len = sizeof(a);
		CHECK_OK(getsockname(s, (struct sockaddr *)&a, &len));
		CHECK_GE(ntohs(a.sin_port), lo);
		CHECK_LE(ntohs(a.sin_port), hi);
		close(s);
	}
	/* A socket's TTL starts at ip_default_ttl. */
	int s = socket(AF_INET, SOCK_DGRAM, 0), ttl = 0;
	socklen_t len = sizeof(ttl);
	CHECK_OK(getsockopt(s, IPPROTO_IP, IP_TTL, &ttl, &len));
	CHECK_EQ(num("/proc/sys/net/ipv4/ip_default_ttl"), ttl);
	close(s);
	return test_done();
}
