/* SPDX-License-Identifier: MIT */
/*
 * DNS answers from the network: any bytes as the answer to a query for
 * s3.us-east-1.amazonaws.com (A or AAAA, chosen by the first byte), with
 * the id the answer carries (so the parser goes past the id check).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "aws_dns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cd_addr a[AWS_DNS_MAX_ADDRS];
	uint16_t qtype, id;
	char err[ERRLEN];
	uint32_t ttl;
	size_t n = 0;
	int rc;

	if (size < 3 || size > AWS_DNS_MSG_MAX + 1)
		return 0;
	qtype = data[0] & 1 ? AWS_DNS_QTYPE_AAAA : AWS_DNS_QTYPE_A;
	data++;
	size--;
	id = (uint16_t)(data[0] << 8 | data[1]);
	rc = aws_dns_answer_parse(data, size, id, "s3.us-east-1.amazonaws.com", qtype, a,
				  AWS_DNS_MAX_ADDRS, &n, &ttl, err, sizeof(err));
	if (rc == 0) {
		/* What it accepts is usable: 1..max addresses of the family asked. */
		if (n == 0 || n > AWS_DNS_MAX_ADDRS)
			__builtin_trap();
		for (size_t i = 0; i < n; i++)
			if (a[i].af != (qtype == AWS_DNS_QTYPE_A ? 2 : 10))
				__builtin_trap();
	} else if (!err[0] || !memchr(err, '\0', sizeof(err))) {
		__builtin_trap();
	}
	return 0;
}
