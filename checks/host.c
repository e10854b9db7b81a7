/* host.c - the report's "host" object: who this machine is (uname, the
 * /proc/version build string, /etc/os-release, the C library) and the kernel
 * version the vDSO carries.  The vDSO note is LINUX_VERSION_CODE as compiled,
 * which a distro cannot rewrite the way it rewrites `uname -r` strings, so it is
 * independent evidence of the real upstream base (kernel-facts.md §7a).
 */
#include "checks/host.h"

#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <gnu/libc-version.h>
#endif

/* Size of the vDSO image: the end of its furthest segment or of its section
 * header table, for 64- and 32-bit images (i386 and x32 processes have the latter). */
#define IMAGE_END(EH, PH)                                                          \
	do {                                                                       \
		int i_;                                                            \
		for (i_ = 0; i_ < (EH)->e_phnum; i_++) {                           \
			const PH *ph_ = (const PH *)(base + (EH)->e_phoff +         \
						    (size_t)i_ * (EH)->e_phentsize); \
			if (ph_->p_offset + ph_->p_filesz > end)                   \
				end = ph_->p_offset + ph_->p_filesz;               \
		}                                                                  \
		if ((EH)->e_shoff + (size_t)(EH)->e_shnum * (EH)->e_shentsize > end) \
			end = (EH)->e_shoff + (size_t)(EH)->e_shnum * (EH)->e_shentsize; \
	} while (0)

static size_t vdso_size(const unsigned char *base)
{
	size_t end = 0;

	if (memcmp(base, ELFMAG, SELFMAG) != 0)
		return 0;
	if (base[EI_CLASS] == ELFCLASS64)
		IMAGE_END((const Elf64_Ehdr *)base, Elf64_Phdr);
	else if (base[EI_CLASS] == ELFCLASS32)
		IMAGE_END((const Elf32_Ehdr *)base, Elf32_Phdr);
	return end;
}

/* Scan one PT_NOTE segment for the "Linux" note of type 0; 0 and *code on success. */
static int find_linux_note(Elf *elf, const GElf_Phdr *ph, unsigned int *code)
{
	Elf_Data *data = elf_getdata_rawchunk(elf, ph->p_offset, ph->p_filesz, ELF_T_NHDR);
	size_t off = 0, name_off, desc_off;
	GElf_Nhdr nh;

	if (!data)
		return -1;
	while ((off = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
		const char *name = (const char *)data->d_buf + name_off;

		if (nh.n_type == 0 && nh.n_namesz == 6 && memcmp(name, "Linux", 6) == 0 &&
		    nh.n_descsz >= 4) {
			memcpy(code, (const char *)data->d_buf + desc_off, 4);
			return 0;
		}
	}
	return -1;
}

static int note_code(Elf *elf, unsigned int *code, struct nerr *err)
{
	size_t n, i;
	GElf_Phdr ph;

	if (elf_getphdrnum(elf, &n) != 0)
		return nerr_set(err, 0, "vDSO program headers: %s", elf_errmsg(-1));
	for (i = 0; i < n; i++) {
		if (!gelf_getphdr(elf, (int)i, &ph))
			return nerr_set(err, 0, "vDSO program header %zu: %s", i, elf_errmsg(-1));
		if (ph.p_type == PT_NOTE && find_linux_note(elf, &ph, code) == 0)
			return 0;
	}
	return nerr_set(err, ENOENT, "vDSO has no \"Linux\" note of type 0");
}

/* SUBLEVEL is clamped to 255 in LINUX_VERSION_CODE on newer kernels (the
 * kbuild commit and release are unverified, kernel-facts.md §7b): when the note
 * says 255 and uname says more, uname's sublevel is the true one. */
static unsigned int sublevel(unsigned int from_note)
{
	struct utsname u;
	unsigned int a, b, c;

	if (from_note != 255 || uname(&u) != 0 || sscanf(u.release, "%u.%u.%u", &a, &b, &c) != 3)
		return from_note;
	return c >= 255 ? c : from_note;
}

int vdso_version(char *buf, size_t len, struct nerr *err)
{
	static int elf_ready;
	unsigned long base = getauxval(AT_SYSINFO_EHDR);
	unsigned int code = 0;
	size_t size;
	Elf *elf;
	int rc;

	if (!base)
		return nerr_set(err, ENOENT, "no vDSO (AT_SYSINFO_EHDR is 0)");
	if (!elf_ready) {
		if (elf_version(EV_CURRENT) == EV_NONE)
			return nerr_set(err, 0, "libelf: %s", elf_errmsg(-1));
		elf_ready = 1;
	}
	size = vdso_size((const unsigned char *)base);
	if (!size)
		return nerr_set(err, 0, "vDSO is not an ELF image");
	/* elf_memory() wants a writable pointer but only reads (ELF_C_READ_MMAP not used). */
	elf = elf_memory((char *)base, size);
	if (!elf)
		return nerr_set(err, 0, "vDSO: %s", elf_errmsg(-1));
	rc = note_code(elf, &code, err);
	elf_end(elf);
	if (rc < 0)
		return -1;
	snprintf(buf, len, "%u.%u.%u", code >> 16, (code >> 8) & 0xff, sublevel(code & 0xff));
	return 0;
}

/* /etc/os-release value: strip quotes. */
static void os_release_value(char *v)
{
	size_t n = strcspn(v, "\n");

	v[n] = '\0';
	if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]) {
		memmove(v, v + 1, n - 2);
		v[n - 2] = '\0';
	}
}

static json_t *os_release(void)
{
	static const char *const keys[] = {"ID", "VERSION_ID", "PRETTY_NAME"};
	FILE *f = fopen("/etc/os-release", "re");
	char line[512];
	json_t *o;
	size_t i;

	if (!f)
		f = fopen("/usr/lib/os-release", "re");
	if (!f)
		return json_null();
	o = json_object();
	for (i = 0; i < 3; i++)
		json_object_set_new(o, keys[i], json_null());
	while (fgets(line, sizeof(line), f)) {
		char *eq = strchr(line, '=');

		if (!eq)
			continue;
		*eq = '\0';
		os_release_value(eq + 1);
		for (i = 0; i < 3; i++)
			if (strcmp(line, keys[i]) == 0)
				json_object_set_new(o, keys[i], json_string(eq + 1));
	}
	fclose(f);
	return o;
}

static json_t *libc_facts(void)
{
#ifdef __GLIBC__
	return json_pack("{s:s, s:s}", "name", "glibc", "version", gnu_get_libc_version());
#else
	char buf[64];
	size_t n = confstr(_CS_GNU_LIBC_VERSION, buf, sizeof(buf));

	/* "glibc 2.36"; musl does not answer this confstr. */
	if (n > 0 && n <= sizeof(buf) && strncmp(buf, "glibc ", 6) == 0)
		return json_pack("{s:s, s:s}", "name", "glibc", "version", buf + 6);
	return json_pack("{s:s, s:n}", "name", "unknown", "version");
#endif
}

static json_t *proc_version(void)
{
	FILE *f = fopen("/proc/version", "re");
	char line[1024];

	if (!f)
		return json_null();
	if (!fgets(line, sizeof(line), f)) {
		fclose(f);
		return json_null();
	}
	fclose(f);
	line[strcspn(line, "\n")] = '\0';
	return json_string(line);
}

static json_t *now_rfc3339(void)
{
	time_t t = time(NULL);
	struct tm tm;
	char buf[32];

	if (!gmtime_r(&t, &tm) || !strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm))
		return json_null();
	return json_string(buf);
}

json_t *host_facts(void)
{
	struct utsname u;
	char vdso[32];
	json_t *h = json_object();
	struct nerr err = {0};
	int have_u = uname(&u) == 0;

	json_object_set_new(h, "hostname", have_u ? json_string(u.nodename) : json_null());
	json_object_set_new(h, "machine", have_u ? json_string(u.machine) : json_null());
	json_object_set_new(h, "release", have_u ? json_string(u.release) : json_null());
	json_object_set_new(h, "version", have_u ? json_string(u.version) : json_null());
	json_object_set_new(h, "kernel_version", proc_version());
	if (vdso_version(vdso, sizeof(vdso), &err) == 0) {
		json_object_set_new(h, "vdso_version", json_string(vdso));
	} else {
		json_object_set_new(h, "vdso_version", json_null());
		json_object_set_new(h, "vdso_version_reason", json_string(err.msg));
	}
	json_object_set_new(h, "os_release", os_release());
	json_object_set_new(h, "libc", libc_facts());
	json_object_set_new(h, "generated_at", now_rfc3339());
	return h;
}
