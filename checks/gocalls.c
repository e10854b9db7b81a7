/* gocalls.c - where a Go program calls unshare/setns/clone, and with which flags.
 *
 * 1. Targets: the namespace functions by their Go names (syscall.Unshare,
 *    golang.org/x/sys/unix.Setns, the raw syscall functions, runtime.newobject).
 * 2. Prefilter, without a disassembler: in every function of the program's own
 *    code (not the standard library, not x/sys/unix), a direct call to a target
 *    (x86 `E8 rel32`, arm64 `BL imm26`); a raw call only counts when the
 *    function holds a namespace syscall number as an immediate somewhere.
 * 3. Capstone decodes only those functions, forward from the entry to the last
 *    candidate, tracking constants in the argument registers (Go's register ABI:
 *    amd64 from go1.17, arm64 from go1.18) and in stack slots (spills; the stack
 *    ABI of 386 and older releases), MOVZ/MOVK/ORR/literal loads on arm64.  The
 *    state is forgotten at every branch target and after every call (Go's ABI has
 *    no callee-saved registers), so a value is only believed when it reaches the
 *    call on a straight line.
 * 4. SysProcAttr: a constant with a namespace flag stored at Cloneflags' or
 *    Unshareflags' offset (64/72 on 64-bit) of an object fresh from
 *    runtime.newobject whose type is a struct of SysProcAttr's size.
 */
#include <capstone/capstone.h>
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/gocalls.h"

enum role { R_NONE, R_UNSHARE, R_SETNS, R_RAW, R_NEWOBJECT };

static const struct {
	const char *name;
	enum role role;
} target_names[] = {
	{ "syscall.Unshare", R_UNSHARE },
	{ "golang.org/x/sys/unix.Unshare", R_UNSHARE },
	{ "syscall.Setns", R_SETNS },
	{ "golang.org/x/sys/unix.Setns", R_SETNS },
	{ "syscall.RawSyscall", R_RAW },
	{ "syscall.Syscall", R_RAW },
	{ "syscall.RawSyscall6", R_RAW },
	{ "syscall.Syscall6", R_RAW },
	{ "syscall.rawSyscallNoError", R_RAW },
	{ "syscall.rawVforkSyscall", R_RAW },
	{ "runtime/internal/syscall.Syscall6", R_RAW },
	{ "golang.org/x/sys/unix.RawSyscall", R_RAW },
	{ "golang.org/x/sys/unix.Syscall", R_RAW },
	{ "golang.org/x/sys/unix.RawSyscall6", R_RAW },
	{ "golang.org/x/sys/unix.Syscall6", R_RAW },
	{ "golang.org/x/sys/unix.RawSyscallNoError", R_RAW },
	{ "golang.org/x/sys/unix.SyscallNoError", R_RAW },
	{ "runtime.newobject", R_NEWOBJECT },
};

/* Syscall numbers: arch/x86/entry/syscalls/syscall_64.tbl, syscall_32.tbl and
 * include/uapi/asm-generic/unistd.h (arm64). */
static const struct {
	unsigned machine;
	uint64_t unshare, setns, clone, clone3;
} sysnr[] = {
	{ EM_X86_64, 272, 308, 56, 435 },
	{ EM_386, 310, 346, 120, 435 },
	{ EM_AARCH64, 97, 268, 220, 435 },
};

static int nr_index(unsigned machine)
{
	for (size_t i = 0; i < sizeof(sysnr) / sizeof(sysnr[0]); i++)
		if (sysnr[i].machine == machine)
			return (int)i;
	return -1;
}

const char *gocalls_syscall_name(unsigned machine, uint64_t nr)
{
	int i = nr_index(machine);

	if (i < 0)
		return NULL;
	return nr == sysnr[i].unshare ? "unshare" : nr == sysnr[i].setns ? "setns" :
	       nr == sysnr[i].clone ? "clone" : nr == sysnr[i].clone3 ? "clone3" : NULL;
}

void gocalls_flag_names(uint64_t flags, char *out, size_t len)
{
	static const struct { uint64_t bit; const char *name; } names[] = {
		{ 0x00000080, "CLONE_NEWTIME" }, { 0x00000100, "CLONE_VM" }, { 0x00000200, "CLONE_FS" },
		{ 0x00000400, "CLONE_FILES" }, { 0x00000800, "CLONE_SIGHAND" }, { 0x00001000, "CLONE_PIDFD" },
		{ 0x00002000, "CLONE_PTRACE" }, { 0x00004000, "CLONE_VFORK" }, { 0x00008000, "CLONE_PARENT" },
		{ 0x00010000, "CLONE_THREAD" }, { 0x00020000, "CLONE_NEWNS" }, { 0x00040000, "CLONE_SYSVSEM" },
		{ 0x00080000, "CLONE_SETTLS" }, { 0x00100000, "CLONE_PARENT_SETTID" },
		{ 0x00200000, "CLONE_CHILD_CLEARTID" }, { 0x00800000, "CLONE_UNTRACED" },
		{ 0x01000000, "CLONE_CHILD_SETTID" }, { 0x02000000, "CLONE_NEWCGROUP" },
		{ 0x04000000, "CLONE_NEWUTS" }, { 0x08000000, "CLONE_NEWIPC" }, { 0x10000000, "CLONE_NEWUSER" },
		{ 0x20000000, "CLONE_NEWPID" }, { 0x40000000, "CLONE_NEWNET" }, { 0x80000000, "CLONE_IO" },
	};
	size_t n = 0;
	uint64_t rest = flags;

	out[0] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(flags & names[i].bit))
			continue;
		n += (size_t)snprintf(out + n, n < len ? len - n : 0, "%s%s", n ? "|" : "", names[i].name);
		rest &= ~names[i].bit;
	}
	if ((rest & 0xff) == 17) { /* clone's exit signal */
		n += (size_t)snprintf(out + n, n < len ? len - n : 0, "%sSIGCHLD", n ? "|" : "");
		rest &= ~(uint64_t)0xff;
	}
	if (rest)
		snprintf(out + n, n < len ? len - n : 0, "%s%#llx", n ? "|" : "", (unsigned long long)rest);
	if (!flags)
		snprintf(out, len, "0");
}

/* Is code[i] the imm32 of `mov $imm, %r32` (B8+r), `movl $imm, (%esp)` (C7 04 24),
 * `movl $imm, disp8(%reg)` (C7 4x dd) or `mov $imm, %r/m32` (C7 C0+r)? */
static bool imm32_operand(const unsigned char *code, size_t i)
{
	return (code[i - 1] >= 0xb8 && code[i - 1] <= 0xbf) ||
	       (i >= 3 && code[i - 3] == 0xc7 && code[i - 2] == 0x04 && code[i - 1] == 0x24) ||
	       (i >= 3 && code[i - 3] == 0xc7 && (code[i - 2] & 0xf8) == 0x40) ||
	       (i >= 2 && code[i - 2] == 0xc7 && (code[i - 1] & 0xf8) == 0xc0);
}

/* Namespace flags and nothing else but a signal number: CLONE_NEW* 0x7e020080. */
static bool ns_flags_only(uint64_t v)
{
	return (v & 0x7e020080) && !(v & ~(uint64_t)0x7e0200ff);
}

/* Go's standard library has no dot in its first path element. */
enum gofunc_class gofunc_classify(const char *name)
{
	size_t first;

	if (!strncmp(name, "syscall.", 8) || !strncmp(name, "runtime.", 8) || !strncmp(name, "runtime/", 8) ||
	    !strncmp(name, "internal/", 9) || !strncmp(name, "golang.org/x/sys/", 17) ||
	    !strncmp(name, "type.", 5) || !strncmp(name, "go.", 3))
		return GOFUNC_SKIP;
	if (!strncmp(name, "main.", 5))
		return GOFUNC_USER;
	first = strcspn(name, "/");
	return memchr(name, '.', first) && strchr(name + first, '.') ? GOFUNC_USER : GOFUNC_STD;
}

static enum role role_of(const char *name)
{
	size_t len;

	if (name[0] != 's' && name[0] != 'g' && name[0] != 'r')
		return R_NONE;
	len = strlen(name);
	if (len > 5 && !strcmp(name + len - 5, ".abi0"))
		len -= 5;
	for (size_t i = 0; i < sizeof(target_names) / sizeof(target_names[0]); i++)
		if (strlen(target_names[i].name) == len && !strncmp(name, target_names[i].name, len))
			return target_names[i].role;
	return R_NONE;
}

/* --- the scan ----------------------------------------------------------------- */

#define MAX_TARGETS 64
#define NREGS 32
#define NSLOTS 32

struct target {
	uint64_t addr;
	enum role role;
	const char *name;
};

enum vkind { V_UNKNOWN, V_CONST, V_NEWOBJ };

struct val {
	enum vkind k;
	uint64_t v; /* the constant, or the type descriptor's address */
};

struct slot {
	int64_t disp;
	int64_t size;
	struct val v;
	bool used;
};

struct state {
	struct val r[NREGS];
	struct slot s[NSLOTS];
	unsigned next_slot;
};

struct scan {
	const struct gotext *t;
	struct goelf *g;
	struct target tg[MAX_TARGETS];
	size_t ntg;
	int nri;          /* index into sysnr */
	bool regabi;      /* Go's register ABI at call sites */
	int ps;           /* pointer size */
	csh cs;
	cs_insn *insn;
	/* the function being decoded */
	const struct gofunc *fn;
	uint64_t start, end;
	unsigned char *jt; /* branch-target bitmap over [start, end) */
	struct state st;
};

static const struct target *target_at(const struct scan *s, uint64_t addr)
{
	for (size_t i = 0; i < s->ntg; i++)
		if (s->tg[i].addr == addr)
			return &s->tg[i];
	return NULL;
}

static void reset(struct state *st)
{
	memset(st, 0, sizeof(*st));
}

static struct val cval(uint64_t v)
{
	return (struct val){ V_CONST, v };
}

static const struct val unknown_val = { V_UNKNOWN, 0 };

static struct slot *slot_find(struct state *st, int64_t disp)
{
	for (int i = 0; i < NSLOTS; i++)
		if (st->s[i].used && st->s[i].disp == disp)
			return &st->s[i];
	return NULL;
}

static void slot_set(struct state *st, int64_t disp, int64_t size, struct val v)
{
	struct slot *sl = slot_find(st, disp);

	if (!sl) {
		sl = &st->s[st->next_slot++ % NSLOTS];
		sl->used = true;
		sl->disp = disp;
	}
	sl->size = size;
	sl->v = v;
}

static struct val slot_get(struct state *st, int64_t disp)
{
	struct slot *sl = slot_find(st, disp);

	return sl ? sl->v : unknown_val;
}

/* Forget slots a store of size bytes at disp overlaps (xmm zeroing, ...). */
static void slot_clobber(struct state *st, int64_t disp, int64_t size)
{
	for (int i = 0; i < NSLOTS; i++)
		if (st->s[i].used && st->s[i].disp < disp + size && disp < st->s[i].disp + st->s[i].size)
			st->s[i].used = false;
}

static void slots_clear_below(struct state *st, int64_t limit)
{
	for (int i = 0; i < NSLOTS; i++)
		if (st->s[i].used && st->s[i].disp < limit)
			st->s[i].used = false;
}

static void add_site(struct scan *s, uint64_t at, const char *via, enum gosite_kind kind, struct val flags)
{
	struct goelf *g = s->g;
	struct gosite *site;

	for (size_t i = 0; i < g->nsites; i++)   /* a store seen twice (two paths) counts once */
		if (g->sites[i].offset == at - s->start && !strcmp(g->sites[i].caller, s->fn->name))
			return;
	if (g->nsites == GOELF_MAX_SITES) {
		g->sites_dropped++;
		return;
	}
	site = &g->sites[g->nsites++];
	memset(site, 0, sizeof(*site));
	snprintf(site->caller, sizeof(site->caller), "%s", s->fn->name);
	site->offset = at - s->start;
	site->addr = at;
	snprintf(site->via, sizeof(site->via), "%s", via);
	{
		size_t l = strlen(site->via);
		if (l > 5 && !strcmp(site->via + l - 5, ".abi0"))
			site->via[l - 5] = '\0';
	}
	site->kind = (unsigned char)kind;
	site->flags_known = flags.k == V_CONST;
	site->flags = flags.k == V_CONST ? flags.v : 0;
}

/* The i-th integer argument at a call: in registers (amd64 AX BX CX DI SI R8-R11
 * and arm64 R0-R15 are in that order), or on the stack from 0(SP) (x86), from
 * 8(RSP) on arm64 (0 holds LR). */
static struct val arg_in(struct scan *s, int i, bool regs)
{
	if (regs)
		return s->st.r[i];
	return slot_get(&s->st, (s->t->machine == EM_AARCH64 ? 8 : 0) + (int64_t)i * s->ps);
}

static struct val arg(struct scan *s, int i)
{
	return arg_in(s, i, s->regabi);
}

static void on_call(struct scan *s, uint64_t at, const struct target *tg)
{
	struct val a0 = arg(s, 0), nr;
	const char *name;

	switch (tg->role) {
	case R_UNSHARE:
		add_site(s, at, tg->name, GOSITE_UNSHARE, a0);
		break;
	case R_SETNS:
		add_site(s, at, tg->name, GOSITE_SETNS, arg(s, 1));
		break;
	case R_RAW:
		/* An assembly (ABI0) function called from its own package's inlined code
		 * (syscall.Getpid's rawSyscallNoError) takes the stack ABI even with regabi. */
		if (s->regabi && a0.k != V_CONST && arg_in(s, 0, false).k == V_CONST) {
			s->regabi = false;
			on_call(s, at, tg);
			s->regabi = true;
			return;
		}
		nr = a0;
		if (nr.k != V_CONST) {
			add_site(s, at, tg->name, GOSITE_RAW, unknown_val);
			break;
		}
		name = gocalls_syscall_name(s->t->machine, nr.v);
		if (!name)
			break;
		add_site(s, at, tg->name,
			 !strcmp(name, "unshare") ? GOSITE_UNSHARE : !strcmp(name, "setns") ? GOSITE_SETNS :
			 !strcmp(name, "clone") ? GOSITE_CLONE : GOSITE_CLONE3,
			 !strcmp(name, "setns") ? arg(s, 2) : !strcmp(name, "clone3") ? unknown_val : arg(s, 1));
		break;
	default:
		break;
	}
}

/* After a call: every register is the callee's; runtime.newobject returns the object. */
static void after_call(struct scan *s, const struct target *tg)
{
	struct val type = arg(s, 0);

	for (int i = 0; i < NREGS; i++)
		s->st.r[i] = unknown_val;
	/* The callee may write its spill area / results at the bottom of our frame. */
	slots_clear_below(&s->st, s->regabi ? 128 : 1 << 20);
	if (tg && tg->role == R_NEWOBJECT && s->regabi && type.k == V_CONST)
		s->st.r[0] = (struct val){ V_NEWOBJ, type.v };
}

static bool attr_type(const struct scan *s, uint64_t addr);

/* A store into a fresh object: is it SysProcAttr.Cloneflags/Unshareflags?  The
 * type descriptor (runtime._type) starts with size, ptrdata, hash(4), tflag,
 * align, fieldAlign, kind; kind 25 is a struct.  SysProcAttr is 160 bytes in
 * go1.19 (more from 1.20); Cloneflags/Unshareflags at 64/72 since go1.9. */
static void on_store(struct scan *s, uint64_t at, struct val base, int64_t disp, struct val v)
{
	if (base.k != V_NEWOBJ || v.k != V_CONST || s->ps != 8 || (disp != 64 && disp != 72))
		return;
	if (!ns_flags_only(v.v) || !attr_type(s, base.v))
		return;
	add_site(s, at, "syscall.SysProcAttr", disp == 72 ? GOSITE_ATTR_UNSHARE : GOSITE_ATTR_CLONE, v);
}

static void mark_target(struct scan *s, uint64_t to)
{
	if (to > s->start && to < s->end)
		s->jt[(to - s->start) >> 3] |= (unsigned char)(1u << ((to - s->start) & 7));
}

static bool is_target(const struct scan *s, uint64_t at)
{
	return at >= s->start && at < s->end && (s->jt[(at - s->start) >> 3] & (1u << ((at - s->start) & 7)));
}

/* Forget whatever an instruction writes that the models below do not follow. */
static void clobber_written(struct scan *s, int (*reg_index)(unsigned, int *), unsigned sp)
{
	cs_regs rr, ww;
	uint8_t nr, nw;

	if (cs_regs_access(s->cs, s->insn, rr, &nr, ww, &nw))
		return;
	for (unsigned i = 0; i < nw; i++) {
		int w, idx = reg_index(ww[i], &w);
		if (idx >= 0)
			s->st.r[idx] = unknown_val;
		else if (ww[i] == sp)
			memset(s->st.s, 0, sizeof(s->st.s));
	}
}

/* --- x86 ---------------------------------------------------------------------- */

/* Register number (0 AX, 1 BX, 2 CX, 3 DI, 4 SI, 5 R8 ... 8 R11: amd64's argument
 * order; then DX, BP, R12-R15) and width in bytes; -1 for others. */
static int x86_regi(unsigned r, int *w)
{
	static const unsigned q[] = { X86_REG_RAX, X86_REG_RBX, X86_REG_RCX, X86_REG_RDI, X86_REG_RSI,
				      X86_REG_R8, X86_REG_R9, X86_REG_R10, X86_REG_R11, X86_REG_RDX,
				      X86_REG_RBP, X86_REG_R12, X86_REG_R13, X86_REG_R14, X86_REG_R15 };
	static const unsigned d[] = { X86_REG_EAX, X86_REG_EBX, X86_REG_ECX, X86_REG_EDI, X86_REG_ESI,
				      X86_REG_R8D, X86_REG_R9D, X86_REG_R10D, X86_REG_R11D, X86_REG_EDX,
				      X86_REG_EBP, X86_REG_R12D, X86_REG_R13D, X86_REG_R14D, X86_REG_R15D };
	static const unsigned h[] = { X86_REG_AX, X86_REG_BX, X86_REG_CX, X86_REG_DI, X86_REG_SI,
				      X86_REG_R8W, X86_REG_R9W, X86_REG_R10W, X86_REG_R11W, X86_REG_DX,
				      X86_REG_BP, X86_REG_R12W, X86_REG_R13W, X86_REG_R14W, X86_REG_R15W };
	static const unsigned b[] = { X86_REG_AL, X86_REG_BL, X86_REG_CL, X86_REG_DIL, X86_REG_SIL,
				      X86_REG_R8B, X86_REG_R9B, X86_REG_R10B, X86_REG_R11B, X86_REG_DL,
				      X86_REG_BPL, X86_REG_R12B, X86_REG_R13B, X86_REG_R14B, X86_REG_R15B };

	for (int i = 0; i < 15; i++) {
		if (r == q[i]) { *w = 8; return i; }
		if (r == d[i]) { *w = 4; return i; }
		if (r == h[i]) { *w = 2; return i; }
		if (r == b[i]) { *w = 1; return i; }
	}
	if (r == X86_REG_AH || r == X86_REG_BH || r == X86_REG_CH || r == X86_REG_DH) {
		*w = 1;
		return r == X86_REG_AH ? 0 : r == X86_REG_BH ? 1 : r == X86_REG_CH ? 2 : 9;
	}
	return -1;
}

static bool x86_sp(unsigned r)
{
	return r == X86_REG_RSP || r == X86_REG_ESP;
}

static uint64_t mask(uint64_t v, int w)
{
	return w >= 8 ? v : v & ((1ull << (8 * w)) - 1);
}

static struct val x86_operand(struct scan *s, const cs_x86_op *op)
{
	int w, idx;

	switch (op->type) {
	case X86_OP_IMM:
		return cval(mask((uint64_t)op->imm, op->size ? op->size : 8));
	case X86_OP_REG:
		idx = x86_regi(op->reg, &w);
		if (idx < 0)
			return unknown_val;
		if (s->st.r[idx].k == V_CONST)
			return cval(mask(s->st.r[idx].v, w));
		return w >= s->ps ? s->st.r[idx] : unknown_val;
	case X86_OP_MEM:
		if (x86_sp(op->mem.base) && op->mem.index == X86_REG_INVALID && op->size >= 4)
			return slot_get(&s->st, op->mem.disp);
		return unknown_val;
	default:
		return unknown_val;
	}
}

static void x86_set(struct scan *s, const cs_x86_op *dst, struct val v)
{
	int w, idx = x86_regi(dst->reg, &w);

	if (idx < 0)
		return;
	if (w < 4 || (w == 4 && v.k == V_NEWOBJ && s->ps == 8))
		v = unknown_val;
	else if (v.k == V_CONST)
		v.v = mask(v.v, w); /* a 32-bit write zero-extends */
	s->st.r[idx] = v;
}

/* One instruction; returns false when the state must be forgotten after it. */
static bool x86_step(struct scan *s)
{
	const cs_insn *in = s->insn;
	const cs_x86 *x = &in->detail->x86;
	const cs_x86_op *o = x->operands;
	int w;

	switch (in->id) {
	case X86_INS_MOV:
	case X86_INS_MOVABS:
		if (x->op_count != 2)
			break;
		if (o[0].type == X86_OP_REG && x86_regi(o[0].reg, &w) >= 0) {
			x86_set(s, &o[0], x86_operand(s, &o[1]));
			return true;
		}
		if (o[0].type == X86_OP_MEM && o[0].mem.index == X86_REG_INVALID) {
			struct val v = x86_operand(s, &o[1]);
			if (x86_sp(o[0].mem.base)) {
				slot_clobber(&s->st, o[0].mem.disp, o[0].size);
				if (o[0].size >= 4)
					slot_set(&s->st, o[0].mem.disp, o[0].size, v);
			} else if (x86_regi(o[0].mem.base, &w) >= 0 && o[0].size == 8) {
				on_store(s, in->address, s->st.r[x86_regi(o[0].mem.base, &w)], o[0].mem.disp, v);
			}
			return true;
		}
		break;
	case X86_INS_XOR:
		if (x->op_count == 2 && o[0].type == X86_OP_REG && o[1].type == X86_OP_REG &&
		    o[0].reg == o[1].reg && x86_regi(o[0].reg, &w) >= 0) {
			x86_set(s, &o[0], cval(0));
			return true;
		}
		break;
	case X86_INS_LEA:
		if (x->op_count == 2 && o[0].type == X86_OP_REG && o[1].type == X86_OP_MEM &&
		    x86_regi(o[0].reg, &w) >= 0 && o[1].mem.index == X86_REG_INVALID) {
			if (o[1].mem.base == X86_REG_RIP)
				x86_set(s, &o[0], cval(in->address + in->size + (uint64_t)o[1].mem.disp));
			else if (o[1].mem.base == X86_REG_INVALID)
				x86_set(s, &o[0], cval((uint64_t)o[1].mem.disp));
			else
				x86_set(s, &o[0], unknown_val);
			return true;
		}
		break;
	case X86_INS_OR:
	case X86_INS_ADD:
		if (x->op_count == 2 && o[0].type == X86_OP_REG && o[1].type == X86_OP_IMM) {
			int idx = x86_regi(o[0].reg, &w);
			if (idx >= 0 && s->st.r[idx].k == V_CONST && w >= 4) {
				uint64_t v = s->st.r[idx].v, imm = (uint64_t)o[1].imm;
				x86_set(s, &o[0], cval(in->id == X86_INS_OR ? v | imm : v + imm));
				return true;
			}
		}
		break;
	case X86_INS_CALL:
		if (x->op_count == 1 && o[0].type == X86_OP_IMM) {
			const struct target *tg = target_at(s, (uint64_t)o[0].imm);
			if (tg)
				on_call(s, in->address, tg);
			after_call(s, tg);
		} else {
			after_call(s, NULL);
		}
		return true;
	case X86_INS_JMP:
		if (x->op_count == 1 && o[0].type == X86_OP_IMM)
			mark_target(s, (uint64_t)o[0].imm);
		return false;
	case X86_INS_RET:
	case X86_INS_UD2:
	case X86_INS_INT3:
		return false;
	default:
		if (cs_insn_group(s->cs, in, CS_GRP_JUMP)) {
			if (x->op_count == 1 && o[0].type == X86_OP_IMM)
				mark_target(s, (uint64_t)o[0].imm);
			return true;
		}
		break;
	}
	/* Stores to the frame the models above do not follow (SSE zeroing, ...). */
	for (int i = 0; i < x->op_count; i++)
		if (o[i].type == X86_OP_MEM && (o[i].access & CS_AC_WRITE) && x86_sp(o[i].mem.base))
			slot_clobber(&s->st, o[i].mem.disp, o[i].size ? o[i].size : 16);
	clobber_written(s, x86_regi, s->ps == 8 ? X86_REG_RSP : X86_REG_ESP);
	return true;
}

/* --- arm64 -------------------------------------------------------------------- */

static int a64_reg(unsigned r, int *w)
{
	if (r >= ARM64_REG_X0 && r <= ARM64_REG_X28) { *w = 8; return (int)(r - ARM64_REG_X0); }
	if (r >= ARM64_REG_W0 && r <= ARM64_REG_W30) { *w = 4; return (int)(r - ARM64_REG_W0); }
	if (r == ARM64_REG_X29) { *w = 8; return 29; }
	if (r == ARM64_REG_X30) { *w = 8; return 30; }
	return -1;
}

static struct val a64_reg_val(struct scan *s, unsigned r)
{
	int w, idx;

	if (r == ARM64_REG_XZR || r == ARM64_REG_WZR)
		return cval(0);
	idx = a64_reg(r, &w);
	if (idx < 0)
		return unknown_val;
	if (s->st.r[idx].k == V_CONST)
		return cval(mask(s->st.r[idx].v, w));
	return w == 8 ? s->st.r[idx] : unknown_val;
}

static void a64_set(struct scan *s, unsigned r, struct val v)
{
	int w, idx = a64_reg(r, &w);

	if (idx < 0)
		return;
	if (v.k == V_CONST)
		v.v = mask(v.v, w);
	else if (w != 8)
		v = unknown_val;
	s->st.r[idx] = v;
}

static uint64_t a64_imm(const cs_arm64_op *op)
{
	uint64_t v = (uint64_t)op->imm;

	if (op->shift.type == ARM64_SFT_LSL)
		v <<= op->shift.value;
	return v;
}

static int a64_width(unsigned r)
{
	int w;

	return r == ARM64_REG_XZR ? 8 : r == ARM64_REG_WZR ? 4 : a64_reg(r, &w) >= 0 ? w : 8;
}

static bool a64_step(struct scan *s)
{
	const cs_insn *in = s->insn;
	const cs_arm64 *a = &in->detail->arm64;
	const cs_arm64_op *o = a->operands;
	int w;

	switch (in->id) {
	case ARM64_INS_MOV:
	case ARM64_INS_MOVZ:
		if (a->op_count == 2 && o[0].type == ARM64_OP_REG) {
			if (o[1].type == ARM64_OP_IMM)
				a64_set(s, o[0].reg, cval(a64_imm(&o[1])));
			else if (o[1].type == ARM64_OP_REG)
				a64_set(s, o[0].reg, a64_reg_val(s, o[1].reg));
			else
				a64_set(s, o[0].reg, unknown_val);
			return true;
		}
		break;
	case ARM64_INS_MOVN:
		if (a->op_count == 2 && o[0].type == ARM64_OP_REG && o[1].type == ARM64_OP_IMM) {
			a64_set(s, o[0].reg, cval(~a64_imm(&o[1])));
			return true;
		}
		break;
	case ARM64_INS_MOVK:
		if (a->op_count == 2 && o[0].type == ARM64_OP_REG && o[1].type == ARM64_OP_IMM) {
			struct val v = a64_reg_val(s, o[0].reg);
			unsigned sh = o[1].shift.type == ARM64_SFT_LSL ? o[1].shift.value : 0;
			if (v.k == V_CONST && sh < 64)
				v.v = (v.v & ~(0xffffull << sh)) | ((uint64_t)(o[1].imm & 0xffff) << sh);
			a64_set(s, o[0].reg, v.k == V_CONST ? v : unknown_val);
			return true;
		}
		break;
	case ARM64_INS_ORR:
		if (a->op_count == 3 && o[0].type == ARM64_OP_REG && o[1].type == ARM64_OP_REG &&
		    o[2].type == ARM64_OP_IMM) {
			struct val v = a64_reg_val(s, o[1].reg);
			a64_set(s, o[0].reg, v.k == V_CONST ? cval(v.v | (uint64_t)o[2].imm) : unknown_val);
			return true;
		}
		break;
	case ARM64_INS_ADRP:
		if (a->op_count == 2 && o[0].type == ARM64_OP_REG && o[1].type == ARM64_OP_IMM) {
			a64_set(s, o[0].reg, cval((uint64_t)o[1].imm));
			return true;
		}
		break;
	case ARM64_INS_ADD:
		if (a->op_count == 3 && o[0].type == ARM64_OP_REG && o[1].type == ARM64_OP_REG &&
		    o[2].type == ARM64_OP_IMM && a64_reg(o[1].reg, &w) >= 0) {
			struct val v = a64_reg_val(s, o[1].reg);
			a64_set(s, o[0].reg, v.k == V_CONST ? cval(v.v + a64_imm(&o[2])) : unknown_val);
			return true;
		}
		break;
	case ARM64_INS_LDR:
	case ARM64_INS_LDUR:
		if (a->op_count == 2 && o[0].type == ARM64_OP_REG && !a->writeback) {
			int size = a64_width(o[0].reg);
			unsigned char b[8];
			if (o[1].type == ARM64_OP_IMM) { /* a literal pool */
				a64_set(s, o[0].reg, goimage_read(s->t->img, (uint64_t)o[1].imm, b, (size_t)size) ? unknown_val
						     : cval(goelf_uint(b, size, s->t->img->big_endian)));
				return true;
			}
			if (o[1].type == ARM64_OP_MEM && o[1].mem.base == ARM64_REG_SP &&
			    o[1].mem.index == ARM64_REG_INVALID) {
				a64_set(s, o[0].reg, size == 8 ? slot_get(&s->st, o[1].mem.disp) : unknown_val);
				return true;
			}
		}
		break;
	case ARM64_INS_STR:
	case ARM64_INS_STUR:
		if (a->op_count == 2 && o[0].type == ARM64_OP_REG && o[1].type == ARM64_OP_MEM &&
		    o[1].mem.index == ARM64_REG_INVALID && !a->writeback) {
			struct val v = a64_reg_val(s, o[0].reg);
			if (o[1].mem.base == ARM64_REG_SP) {
				slot_clobber(&s->st, o[1].mem.disp, a64_width(o[0].reg));
				if (a64_width(o[0].reg) == 8)
					slot_set(&s->st, o[1].mem.disp, 8, v);
			} else if (a64_reg(o[1].mem.base, &w) >= 0 && a64_width(o[0].reg) == 8) {
				on_store(s, in->address, s->st.r[a64_reg(o[1].mem.base, &w)], o[1].mem.disp, v);
			}
			return true;
		}
		break;
	case ARM64_INS_BL:
		if (a->op_count == 1 && o[0].type == ARM64_OP_IMM) {
			const struct target *tg = target_at(s, (uint64_t)o[0].imm);
			if (tg)
				on_call(s, in->address, tg);
			after_call(s, tg);
			return true;
		}
		after_call(s, NULL);
		return true;
	case ARM64_INS_BLR:
		after_call(s, NULL);
		return true;
	case ARM64_INS_B:
		if (a->op_count == 1 && o[0].type == ARM64_OP_IMM)
			mark_target(s, (uint64_t)o[0].imm);
		return a->cc != ARM64_CC_INVALID && a->cc != ARM64_CC_AL && a->cc != ARM64_CC_NV;
	case ARM64_INS_BR:
	case ARM64_INS_RET:
		return false;
	case ARM64_INS_CBZ:
	case ARM64_INS_CBNZ:
	case ARM64_INS_TBZ:
	case ARM64_INS_TBNZ:
		if (a->op_count >= 2 && o[a->op_count - 1].type == ARM64_OP_IMM)
			mark_target(s, (uint64_t)o[a->op_count - 1].imm);
		return true;
	default:
		break;
	}
	/* Stores to the frame the models above do not follow (STP, ...). */
	for (int i = 0; i < a->op_count; i++)
		if (o[i].type == ARM64_OP_MEM && o[i].mem.base == ARM64_REG_SP &&
		    (in->id == ARM64_INS_STP || in->id == ARM64_INS_STR || in->id == ARM64_INS_STUR ||
		     in->id == ARM64_INS_STRB || in->id == ARM64_INS_STRH || in->id == ARM64_INS_STURB ||
		     in->id == ARM64_INS_STURH))
			slot_clobber(&s->st, o[i].mem.disp, 16);
	if (a->writeback)
		memset(s->st.s, 0, sizeof(s->st.s));
	clobber_written(s, a64_reg, ARM64_REG_SP);
	return true;
}

/* --- prefilters and the driver ------------------------------------------------ */

/* A namespace syscall number as an immediate somewhere in the function. */
static bool has_nr_immediate(const struct scan *s, const unsigned char *code, size_t len)
{
	const uint64_t nrs[] = { sysnr[s->nri].unshare, sysnr[s->nri].setns, sysnr[s->nri].clone,
				 sysnr[s->nri].clone3 };

	if (s->t->machine == EM_AARCH64) {
		for (size_t i = 0; i + 4 <= len; i += 4) {
			uint32_t w = (uint32_t)goelf_uint(code + i, 4, false);
			if ((w & 0x7fe00000) != 0x52800000) /* MOVZ, hw 0 */
				continue;
			for (int k = 0; k < 4; k++)
				if (((w >> 5) & 0xffff) == nrs[k])
					return true;
		}
		return false;
	}
	for (size_t i = 1; i + 4 <= len; i++) {
		if (code[i + 2] || code[i + 3] || code[i + 1] > 1 || !imm32_operand(code, i))
			continue;
		for (int k = 0; k < 4; k++)
			if (goelf_uint(code + i, 4, false) == nrs[k])
				return true;
	}
	return false;
}

struct cand {
	uint64_t at;
	enum role role;
};

/* The candidate calls of one function (prefilter); returns how many. */
static size_t candidates(const struct scan *s, const unsigned char *code, uint64_t start, size_t len,
			 struct cand *out, size_t max)
{
	size_t n = 0;
	uint64_t lo = s->tg[0].addr, hi = s->tg[0].addr;

	for (size_t i = 1; i < s->ntg; i++) {
		lo = s->tg[i].addr < lo ? s->tg[i].addr : lo;
		hi = s->tg[i].addr > hi ? s->tg[i].addr : hi;
	}
	if (s->t->machine == EM_AARCH64) {
		for (size_t i = 0; i + 4 <= len && n < max; i += 4) {
			uint32_t w = (uint32_t)goelf_uint(code + i, 4, false);
			int64_t off;
			const struct target *tg;
			if ((w & 0xfc000000) != 0x94000000)
				continue;
			off = (int64_t)(int32_t)((w & 0x03ffffff) << 6) >> 4; /* sign-extended imm26 * 4 */
			tg = target_at(s, start + i + (uint64_t)off);
			if (tg)
				out[n++] = (struct cand){ start + i, tg->role };
		}
		return n;
	}
	for (const unsigned char *p = code; n < max && (p = memchr(p, 0xe8, len - (size_t)(p - code)));
	     p++) {
		size_t i = (size_t)(p - code);
		uint64_t to;
		const struct target *tg;
		if (i + 5 > len)
			break;
		to = start + i + 5 + (uint64_t)(int64_t)(int32_t)goelf_uint(p + 1, 4, false);
		if (s->ps == 4)
			to &= 0xffffffff;
		if (to < lo || to > hi || !(tg = target_at(s, to)))
			continue;
		out[n++] = (struct cand){ start + i, tg->role };
	}
	return n;
}

/* Decode [from, stop) of the current function (code is its first byte). */
static void decode_range(struct scan *s, const unsigned char *code, uint64_t from, uint64_t stop)
{
	const uint8_t *p = code + (from - s->start);
	size_t left = (size_t)(stop - from);
	uint64_t addr = from;
	bool a64 = s->t->machine == EM_AARCH64;

	reset(&s->st);
	while (left) {
		bool keep;
		if (is_target(s, addr))
			reset(&s->st);
		if (!cs_disasm_iter(s->cs, &p, &left, &addr, s->insn)) {
			size_t skip = a64 ? 4 : 1; /* not an instruction: forget, step over */
			if (skip > left)
				break;
			p += skip;
			left -= skip;
			addr += skip;
			reset(&s->st);
			continue;
		}
		keep = a64 ? a64_step(s) : x86_step(s);
		if (!keep)
			reset(&s->st);
	}
}

/* Could the type descriptor at addr be syscall.SysProcAttr (see on_store)? */
static bool attr_type(const struct scan *s, uint64_t addr)
{
	unsigned char hdr[24];
	uint64_t size, ptrdata;

	if (goimage_read(s->t->img, addr, hdr, sizeof(hdr)))
		return false;
	size = goelf_uint(hdr, 8, s->t->img->big_endian);
	ptrdata = goelf_uint(hdr + 8, 8, s->t->img->big_endian);
	/* ptrdata: the last pointer word is AmbientCaps' (136, go1.9-1.20), then PidFD's (176). */
	return size >= 160 && size <= 232 && !(size % 8) && (hdr[23] & 0x1f) == 25 &&
	       (ptrdata == 144 || ptrdata == 184);
}

/* runtime.newobject(type) right before the call: amd64 `lea type(%rip), %rax`
 * (a NOP may sit between), arm64 `adrp x0; add x0, x0, #lo`.  Where the
 * decoding window starts when the type may be SysProcAttr, else 0. */
static uint64_t attr_newobject(const struct scan *s, const unsigned char *code, uint64_t at)
{
	size_t off = (size_t)(at - s->start);

	if (s->t->machine == EM_AARCH64) {
		uint32_t adrp, add;
		uint64_t page, lo;
		if (off < 8)
			return 0;
		adrp = (uint32_t)goelf_uint(code + off - 8, 4, false);
		add = (uint32_t)goelf_uint(code + off - 4, 4, false);
		/* ADRP x0 (immhi:immlo, 21 bits of 4 KiB pages); ADD x0, x0, #imm12 {, lsl 12} */
		if ((adrp & 0x9f00001f) != 0x90000000 || (add & 0xff80001f) != 0x91000000 || ((add >> 5) & 31))
			return 0;
		page = ((at - 8) & ~0xfffull) +
		       (uint64_t)(((int64_t)(int32_t)((((adrp >> 5) & 0x7ffff) << 2 | ((adrp >> 29) & 3)) << 11) >> 11) *
				  4096);
		lo = (add >> 10) & 0xfff;
		if (add & (1u << 22))
			lo <<= 12;
		return attr_type(s, page + lo) ? at - 8 : 0;
	}
	for (size_t back = 7; back <= 16 && back <= off; back++) {
		const unsigned char *p = code + off - back;
		if (p[0] == 0x48 && p[1] == 0x8d && p[2] == 0x05 &&
		    attr_type(s, at - back + 7 + (uint64_t)(int64_t)(int32_t)goelf_uint(p + 3, 4, false)))
			return at - back;
	}
	return 0;
}

static void scan_function(struct scan *s, size_t i)
{
	const struct gofunc *f = &s->t->f[i];
	uint64_t start = f->entry, end = i + 1 < s->t->n ? s->t->f[i + 1].entry : s->t->end;
	struct cand c[64];
	uint64_t windows[8];
	size_t n, len, nwin = 0;
	const unsigned char *code;
	bool nr_checked = false, nr_ok = false;
	uint64_t stop = 0;

	if (end <= start || end - start > (64u << 20))
		return;
	len = (size_t)(end - start);
	code = NULL;
	for (size_t k = 0; k < s->t->img->nsegs; k++) {
		const struct goseg *sg = &s->t->img->segs[k];
		if (start >= sg->vaddr && start - sg->vaddr < sg->size) {
			if (len > sg->size - (start - sg->vaddr))
				len = (size_t)(sg->size - (start - sg->vaddr));
			code = sg->data + (start - sg->vaddr);
			break;
		}
	}
	if (!code)
		return;
	s->start = start;
	n = candidates(s, code, start, len, c, sizeof(c) / sizeof(c[0]));
	for (size_t k = 0; k < n; k++) {
		if (c[k].role == R_NEWOBJECT) {
			uint64_t from = s->ps == 8 && s->regabi ? attr_newobject(s, code, c[k].at) : 0;
			if (from && nwin < sizeof(windows) / sizeof(windows[0]))
				windows[nwin++] = from;
			continue;
		}
		if (c[k].role == R_RAW) {
			if (!nr_checked)
				nr_ok = has_nr_immediate(s, code, len), nr_checked = true;
			if (!nr_ok)
				continue;
		}
		stop = c[k].at + (s->t->machine == EM_AARCH64 ? 4 : 5);
	}
	if (!stop && !nwin)
		return;
	s->fn = f;
	s->end = start + len;
	s->jt = calloc(len / 8 + 1, 1);
	if (!s->jt)
		return;
	/* The calls: from the entry, so that every branch before them is seen. */
	if (stop)
		decode_range(s, code, start, stop < s->end ? stop : s->end);
	/* SysProcAttr: the stores follow newobject's call closely. */
	for (size_t k = 0; k < nwin; k++)
		decode_range(s, code, windows[k], windows[k] + 512 < s->end ? windows[k] + 512 : s->end);
	free(s->jt);
	s->jt = NULL;
}

static int go_minor(const char *v)
{
	int major = 0, minor = 0;

	return sscanf(v, "go%d.%d", &major, &minor) == 2 && major == 1 ? minor : 0;
}

void gocalls_scan(const struct gotext *t, struct goelf *g)
{
	struct scan s = { .t = t, .g = g };
	cs_arch arch;
	cs_mode mode;
	int minor = t->go_minor ? t->go_minor : go_minor(g->go_version);

	s.nri = nr_index(t->machine);
	if (s.nri < 0 || !t->n)
		return;
	if (t->machine == EM_AARCH64) {
		arch = CS_ARCH_ARM64, mode = CS_MODE_ARM, s.ps = 8;
		s.regabi = !minor || minor >= 18;
	} else {
		arch = CS_ARCH_X86, mode = t->machine == EM_X86_64 ? CS_MODE_64 : CS_MODE_32;
		s.ps = t->machine == EM_X86_64 ? 8 : 4;
		s.regabi = t->machine == EM_X86_64 && (!minor || minor >= 17);
	}
	for (size_t i = 0; i < t->n && s.ntg < MAX_TARGETS; i++) {
		enum role r = role_of(t->f[i].base);
		if (r != R_NONE)
			s.tg[s.ntg++] = (struct target){ t->f[i].entry, r, t->f[i].name };
	}
	g->sites_decoded = true;
	if (!s.ntg)
		return;
	if (cs_open(arch, mode, &s.cs) != CS_ERR_OK) {
		g->sites_decoded = false;
		return;
	}
	cs_option(s.cs, CS_OPT_DETAIL, CS_OPT_ON);
	s.insn = cs_malloc(s.cs);
	for (size_t i = 0; s.insn && i < t->n; i++)
		if (t->f[i].cls == GOFUNC_USER)
			scan_function(&s, i);
	if (!s.insn)
		g->sites_decoded = false;
	if (s.insn)
		cs_free(s.insn, 1);
	cs_close(&s.cs);
}
