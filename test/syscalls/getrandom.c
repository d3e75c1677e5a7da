//go:build ignore

/* getrandom: lengths, flags, errors, and that the bytes look random. */
#include "testutil.h"
#include <sys/random.h>

#ifndef GRND_INSECURE
#define GRND_INSECURE 0x0004
#endif

int main(void)
{
	unsigned char a[64], b[64];
	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));

	/* The full length comes back for small requests (<= 256 bytes never short). */
	CHECK_EQ(RAW(SYS_getrandom, a, sizeof(a), 0), sizeof(a));
	CHECK_EQ(RAW(SYS_getrandom, b, sizeof(b), GRND_NONBLOCK), sizeof(b));
	/* Two draws of 64 bytes are different, and not all zero. */
	CHECK_NE(memcmp(a, b, sizeof(a)), 0);
	int zeros = 0;
	for (size_t i = 0; i < sizeof(a); i++)
		zeros += a[i] == 0;
	CHECK_LT(zeros, 16);
	/* Zero length: 0. */
	CHECK_EQ(RAW(SYS_getrandom, a, 0, 0), 0);
	CHECK_EQ(RAW(SYS_getrandom, NULL, 0, 0), 0);
	/* GRND_RANDOM and GRND_INSECURE are accepted. */
	CHECK_EQ(RAW(SYS_getrandom, a, 16, GRND_RANDOM | GRND_NONBLOCK), 16);
	CHECK_EQ(RAW(SYS_getrandom, a, 16, GRND_INSECURE), 16);
	/* Only the bytes asked for are written. */
	memset(a, 0xAA, sizeof(a));
	CHECK_EQ(RAW(SYS_getrandom, a, 8, 0), 8);
	for (size_t i = 8; i < sizeof(a); i++)
		if (a[i] != 0xAA)
			FAIL("byte %zu changed", i);
	/* A larger request: the whole of it (only a pending signal could
	 * make it short). */
	static unsigned char big[1 << 16];
	long n = RAW(SYS_getrandom, big, sizeof(big), 0);
	CHECK_EQ(n, (long)sizeof(big));
	/* Every byte value shows up in 64 KiB of random data. */
	int seen[256] = { 0 };
	for (long i = 0; i < n; i++)
		seen[big[i]] = 1;
	int distinct = 0;
	for (int i = 0; i < 256; i++)
		distinct += seen[i];
	CHECK_EQ(distinct, 256);
	/* The libc wrapper. */
	CHECK_EQ(getrandom(a, 32, 0), 32);

	/* Errors: unknown flags, INSECURE with RANDOM, bad pointer. */
	CHECK_ERRNO(RAW(SYS_getrandom, a, 8, 0x40), -1, EINVAL);
	CHECK_ERRNO(RAW(SYS_getrandom, a, 8, -1), -1, EINVAL);
	CHECK_ERRNO(RAW(SYS_getrandom, a, 8, GRND_INSECURE | GRND_RANDOM), -1, EINVAL);
	CHECK_ERRNO(RAW(SYS_getrandom, (void *)8, 8, 0), -1, EFAULT);
	return test_done();
}
