/* seccomp_wrap.c - run a command under a seccomp filter shaped like the
 * container runtimes' default profiles (Docker/containerd/CRI-O without
 * CAP_SYS_ADMIN): unshare and setns fail EPERM, clone with any CLONE_NEW* flag
 * fails EPERM, clone3 fails ENOSYS (so libc falls back to clone, whose flags a
 * filter can read).  Raw BPF, no libseccomp.  Usage: seccomp_wrap CMD [ARG...]
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__)
#define THIS_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define THIS_ARCH AUDIT_ARCH_AARCH64
#else
#error "seccomp_wrap: add this architecture's AUDIT_ARCH"
#endif

#ifndef __NR_clone3
#define __NR_clone3 435
#endif

/* CLONE_NEWNS|CLONE_NEWCGROUP|CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWUSER|CLONE_NEWPID|
 * CLONE_NEWNET: the mask Docker's profile tests on clone's flags. */
#define CLONE_NEW_MASK 0x7E020000u

#define ERRNO(e) (SECCOMP_RET_ERRNO | ((e) & SECCOMP_RET_DATA))
/* The low 32 bits of argument 0 (little endian). */
#define ARG0_LO offsetof(struct seccomp_data, args[0])

static struct sock_filter filter[] = {
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, THIS_ARCH, 1, 0),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL),   /* a foreign ABI: refuse outright */
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_unshare, 0, 1),
	BPF_STMT(BPF_RET | BPF_K, ERRNO(EPERM)),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_setns, 0, 1),
	BPF_STMT(BPF_RET | BPF_K, ERRNO(EPERM)),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone3, 0, 1),
	BPF_STMT(BPF_RET | BPF_K, ERRNO(ENOSYS)),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone, 0, 3),
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG0_LO),
	BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, CLONE_NEW_MASK, 0, 1),
	BPF_STMT(BPF_RET | BPF_K, ERRNO(EPERM)),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
};

int main(int argc, char **argv)
{
	struct sock_fprog prog = {
		.len = sizeof(filter) / sizeof(filter[0]),
		.filter = filter,
	};

	if (argc < 2) {
		fprintf(stderr, "usage: seccomp_wrap CMD [ARG...]\n");
		return 2;
	}
	/* Without CAP_SYS_ADMIN the kernel requires no_new_privs for a filter. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		fprintf(stderr, "seccomp_wrap: PR_SET_NO_NEW_PRIVS: %s\n", strerror(errno));
		return 1;
	}
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) != 0) {
		fprintf(stderr, "seccomp_wrap: PR_SET_SECCOMP: %s\n", strerror(errno));
		return 1;
	}
	execvp(argv[1], argv + 1);
	fprintf(stderr, "seccomp_wrap: %s: %s\n", argv[1], strerror(errno));
	return 127;
}
