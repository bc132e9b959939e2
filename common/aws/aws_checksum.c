/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "aws_checksum.h"

static const char *const names[AWS_CKSUM__COUNT] = {
	"crc32", "crc32c", "crc64nvme", "sha1", "sha256",
};

const char *aws_cksum_name(enum aws_cksum a)
{
	return a < AWS_CKSUM__COUNT ? names[a] : "?";
}

/* Reflected CRC, bit at a time: lists are small and this is checked once. */
static uint64_t crc_reflected(const unsigned char *p, size_t n, uint64_t poly,
			      uint64_t init, uint64_t xorout)
{
	uint64_t crc = init;

	for (size_t i = 0; i < n; i++) {
		crc ^= p[i];
		for (int b = 0; b < 8; b++)
			crc = (crc >> 1) ^ ((crc & 1) ? poly : 0);
	}
	return crc ^ xorout;
}

static size_t digest(enum aws_cksum a, const void *data, size_t n, unsigned char out[32])
{
	uint64_t v;
	size_t len;

	switch (a) {
	case AWS_CKSUM_SHA1:
		SHA1(data, n, out);
		return 20;
	case AWS_CKSUM_SHA256:
		SHA256(data, n, out);
		return 32;
	case AWS_CKSUM_CRC32:
		v = crc_reflected(data, n, 0xEDB88320u, 0xFFFFFFFFu, 0xFFFFFFFFu);
		len = 4;
		break;
	case AWS_CKSUM_CRC32C:
		v = crc_reflected(data, n, 0x82F63B78u, 0xFFFFFFFFu, 0xFFFFFFFFu);
		len = 4;
		break;
	case AWS_CKSUM_CRC64NVME:
		v = crc_reflected(data, n, 0x9A6C9329AC4BC9B5ull, ~0ull, ~0ull);
		len = 8;
		break;
	default:
		return 0;
	}
	/* Big-endian, as S3 encodes CRCs. */
	for (size_t i = 0; i < len; i++)
		out[i] = (unsigned char)(v >> (8 * (len - 1 - i)));
	return len;
}

static void b64(const unsigned char *d, size_t n, char *out, size_t outlen)
{
	if (outlen >= 4 * ((n + 2) / 3) + 1)
		EVP_EncodeBlock((unsigned char *)out, d, (int)n);
	else if (outlen)
		out[0] = '\0';
}

int aws_cksum_verify(enum aws_cksum a, const void *data, size_t n, const char *want,
		     char *err, size_t errlen)
{
	unsigned char d[32];
	char got[64];
	size_t len = digest(a, data, n, d);

	if (!len)
		return -EINVAL;
	b64(d, len, got, sizeof(got));
	if (strlen(want) != strlen(got))
		return util_err(err, errlen, "checksum %s '%.60s' is not a valid value",
				names[a], want);
	if (strcmp(want, got))
		return util_errc(-EBADMSG, err, errlen, "checksum %s mismatch: S3 says %s, body has %s",
				names[a], want, got);
	return 0;
}
