/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * Records to markdown. A record is table, row, label, column, value, unit
 * separated by tabs; rows and columns keep the order they first appear in.
 * Cells of a table with an "iobuf" column carry the ratio iobuf ÷ cell, the
 * form the goals are stated in: below 1, iobuf is faster (or runs fewer
 * instructions). The goals get a table of their own, and --summary prints
 * the README's short tables.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define MAX_TABLES 8
#define MAX_ROWS 64
#define MAX_COLS 12
#define FIELD 160

struct rtable {
	char name[FIELD];
	int nrows, ncols;
	char row_key[MAX_ROWS][FIELD];
	char row_label[MAX_ROWS][FIELD];
	char row_unit[MAX_ROWS][16];
	char col[MAX_COLS][FIELD];
	char cell[MAX_ROWS][MAX_COLS][FIELD];
};

static struct rtable tables[MAX_TABLES];
static int ntables;

static int find_or_add(char (*names)[FIELD], int *n, int max, const char *name)
{
	for (int i = 0; i < *n; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	if (*n == max)
		return -1;
	snprintf(names[*n], FIELD, "%s", name);
	return (*n)++;
}

static void add_record(char *line)
{
	char *f[6], *save = NULL;
	struct rtable *t = NULL;
	int n = 0, r, c;

	line[strcspn(line, "\n")] = '\0';
	for (char *tok = strtok_r(line, "\t", &save); tok != NULL && n < 6;
	     tok = strtok_r(NULL, "\t", &save))
		f[n++] = tok;
	if (n != 6)
		return;
	for (int i = 0; i < ntables; i++)
		if (strcmp(tables[i].name, f[0]) == 0)
			t = &tables[i];
	if (t == NULL) {
		if (ntables == MAX_TABLES)
			return;
		t = &tables[ntables++];
		snprintf(t->name, FIELD, "%s", f[0]);
	}
	r = find_or_add(t->row_key, &t->nrows, MAX_ROWS, f[1]);
	c = find_or_add(t->col, &t->ncols, MAX_COLS, f[3]);
	if (r < 0 || c < 0)
		return;
	/* The first label of a row wins: a fallback record cannot rename it. */
	if (t->row_label[r][0] == '\0')
		snprintf(t->row_label[r], FIELD, "%s", f[2]);
	snprintf(t->row_unit[r], sizeof(t->row_unit[r]), "%s", f[5]);
	snprintf(t->cell[r][c], FIELD, "%s", f[4]);
}

static void format_value(char *buf, size_t len, double v)
{
	if (v < 10)
		snprintf(buf, len, "%.2f", v);
	else if (v < 1000)
		snprintf(buf, len, "%.1f", v);
	else
		snprintf(buf, len, "%.0f", v);
}

static void print_cell(FILE *out, const struct rtable *t, int r, int c, int ref)
{
	const char *v = t->cell[r][c];
	char num[32], ratio[32] = "";
	double x;

	if (v[0] == '\0' || strcmp(v, "NA") == 0) {
		fputs(" – |", out);
		return;
	}
	if (strncmp(v, "TIMEOUT", 7) == 0) {
		fprintf(out, " > %s s |", v + 8);
		return;
	}
	x = atof(v);
	format_value(num, sizeof(num), x);
	/* The no-op columns are floors, not contenders: no ratio. */
	if (ref >= 0 && c != ref && x > 0 && strncmp(t->col[c], "no-op", 5) != 0 &&
	    t->cell[r][ref][0] != '\0' &&
	    strcmp(t->cell[r][ref], "NA") != 0 && strncmp(t->cell[r][ref], "TIMEOUT", 7) != 0)
		snprintf(ratio, sizeof(ratio), " (%.2f)", atof(t->cell[r][ref]) / x);
	if (strcmp(t->row_unit[r], "count") == 0)
		fprintf(out, " %.0f |", x);
	else if (strcmp(t->row_unit[r], "rate") == 0)
		fprintf(out, " %s, %.1f M/s%s |", num, 1e3 / x, ratio);
	else
		fprintf(out, " %s%s |", num, ratio);
}

static void print_table(FILE *out, const struct rtable *t)
{
	int ref = -1;

	if (strcmp(t->name, "machine") == 0) {
		for (int r = 0; r < t->nrows; r++)
			fprintf(out, "- %s: %.0f ns\n", t->row_label[r], atof(t->cell[r][0]));
		fputc('\n', out);
		return;
	}
	if (strcmp(t->name, "warnings") == 0) {
		fputs("**Warnings**\n\n", out);
		for (int r = 0; r < t->nrows; r++)
			fprintf(out, "- %s\n", t->row_label[r]);
		fputc('\n', out);
		return;
	}
	for (int c = 0; c < t->ncols; c++)
		if (strcmp(t->col[c], "iobuf") == 0)
			ref = c;
	if (strcmp(t->name, "main") == 0)
		fputs("### Workloads\n\n", out);
	else if (strcmp(t->name, "rings") == 0)
		fputs("### Ring sync modes: bare rte_rings replaying the pool's refill "
		      "(burst dequeue 32) and flush (bulk enqueue 32)\n\n", out);
	else if (strcmp(t->name, "static") == 0)
		fputs("### iobuf linked statically (libiobuf.a, same code and "
		      "options)\n\n", out);
	else if (strcmp(t->name, "pool-rings") == 0)
		fputs("### Ring sync modes: the pool built with each "
		      "(lib/pool.c, IOB_RING_SYNC)\n\n", out);
	fputs("| workload |", out);
	for (int c = 0; c < t->ncols; c++)
		fprintf(out, " %s |", t->col[c]);
	fputs("\n|---|", out);
	for (int c = 0; c < t->ncols; c++)
		fputs("--:|", out);
	fputc('\n', out);
	for (int r = 0; r < t->nrows; r++) {
		fprintf(out, "| %s |", t->row_label[r]);
		for (int c = 0; c < t->ncols; c++)
			print_cell(out, t, r, c, ref);
		fputc('\n', out);
	}
	fputc('\n', out);
}

/*
 * The goals iobuf's fast path is held to, checked against the main table.
 * A goal compares row_a/col_a with row_b/col_b (a ratio of medians from
 * one run) or, without row_b, bounds row_a/col_a itself.
 */
struct goal {
	const char *text;
	const char *row_a, *col_a;
	const char *row_b, *col_b;
	double limit;
};

static const struct goal goals[] = {
	{ "hot pair, cache 256: iobuf ÷ rte_mempool + cache", "1.s256", "iobuf", "1.s256", "mempool+cache", 0.35 },
	{ "hot pair, cache 32: iobuf ÷ rte_mempool + cache", "1.s32", "iobuf", "1.s32", "mempool+cache", 0.35 },
	{ "hot pair, cache 256: iobuf ÷ inline array stack", "1.s256", "iobuf", "1.s256", "array stack", 1.15 },
	{ "hot pair, cache 32: iobuf ÷ inline array stack", "1.s32", "iobuf", "1.s32", "array stack", 1.15 },
	{ "hot pair, cache 256: iobuf ÷ llcache", "1.s256", "iobuf", "1.s256", "llcache", 0.8 },
	{ "hot pair, cache 32: iobuf ÷ llcache", "1.s32", "iobuf", "1.s32", "llcache", 0.8 },
	{ "hot pair, cache 256: iobuf instructions per pair, net of the loop", "1.s256.ir", "iobuf", NULL, NULL, 24 },
	{ "hot pair, cache 32: iobuf instructions per pair, net of the loop", "1.s32.ir", "iobuf", NULL, NULL, 24 },
	{ "get 4096 then put 4096: iobuf ÷ rte_mempool + cache", "2.s4096", "iobuf", "2.s4096", "mempool+cache", 0.6 },
	{ "producer→consumer, 2 CPUs: iobuf ÷ rte_mempool + cache (ns/buffer)", "4", "iobuf", "4", "mempool+cache", 1.0 },
	{ "producer→consumer, one CPU: iobuf ÷ rte_mempool + cache (ns/buffer)", "4s", "iobuf", "4s", "mempool+cache", 1.0 },
	{ "bulk 32: iobuf ÷ rte_mempool + cache (ns/buffer)", "5", "iobuf", "5", "mempool+cache", 1.0 },
	{ "cold buffers: iobuf ÷ no-op", "3", "iobuf", "3", "no-op", 1.05 },
	{ "large ÷ small, hot pair, cache 256", "1.l256", "iobuf", "1.s256", "iobuf", 1.05 },
	{ "large ÷ small, hot pair, cache 32", "1.l32", "iobuf", "1.s32", "iobuf", 1.05 },
	{ "large ÷ small, get N then put N, N=32", "2.l32", "iobuf", "2.s32", "iobuf", 1.05 },
	{ "large ÷ small, get N then put N, N=256", "2.l256", "iobuf", "2.s256", "iobuf", 1.05 },
	{ "large ÷ small, get N then put N, N=4096", "2.l4096", "iobuf", "2.s4096", "iobuf", 1.05 },
	{ "8 threads on 2 CPUs, bursts of 64: iobuf ÷ iobuf with 2 threads", "7.8.64", "iobuf", "7.2.64", "iobuf", 1.5 },
	{ "8 threads on 2 CPUs, bursts of 64: iobuf ÷ rte_mempool + cache, RTS ring", "7.8.64", "iobuf", "7.8.64", "mempool+cache rts", 1.0 },
	{ "8 threads on 2 CPUs, bursts of 128: iobuf ÷ iobuf with 2 threads", "7.8.128", "iobuf", "7.2.128", "iobuf", 1.5 },
	{ "8 threads on 2 CPUs, bursts of 128: iobuf ÷ rte_mempool + cache, RTS ring", "7.8.128", "iobuf", "7.8.128", "mempool+cache rts", 1.0 },
};

static const struct rtable *find_table(const char *name)
{
	for (int i = 0; i < ntables; i++)
		if (strcmp(tables[i].name, name) == 0)
			return &tables[i];
	return NULL;
}

/* The value of a numeric cell of the main table, or a negative number. */
static double cell_value(const char *row, const char *col)
{
	const struct rtable *t = find_table("main");
	int r = -1, c = -1;

	if (t == NULL)
		return -1;
	for (int j = 0; j < t->nrows; j++)
		if (strcmp(t->row_key[j], row) == 0)
			r = j;
	for (int j = 0; j < t->ncols; j++)
		if (strcmp(t->col[j], col) == 0)
			c = j;
	if (r < 0 || c < 0 || t->cell[r][c][0] == '\0' ||
	    strcmp(t->cell[r][c], "NA") == 0 || strncmp(t->cell[r][c], "TIMEOUT", 7) == 0)
		return -1;
	return atof(t->cell[r][c]);
}

/* Every goal, measured or not: a goal whose cells are missing (a row not
 * run, a contender that timed out) says so. */
static void print_goals(FILE *out)
{
	if (find_table("main") == NULL)
		return;
	fputs("### Goals\n\n"
	      "Each ratio is of two medians of this run (a bound without a ÷ is the "
	      "value itself).\n\n"
	      "| what | measured | goal | met? |\n"
	      "|---|--:|--:|---|\n", out);
	for (size_t i = 0; i < sizeof(goals) / sizeof(goals[0]); i++) {
		const struct goal *g = &goals[i];
		double a = cell_value(g->row_a, g->col_a);
		double b = g->row_b != NULL ? cell_value(g->row_b, g->col_b) : 1;

		if (a < 0 || b <= 0) {
			fprintf(out, "| %s | – | ≤ %.2f | not measured |\n", g->text, g->limit);
			continue;
		}
		fprintf(out, "| %s | %.2f | ≤ %.2f | %s |\n", g->text, a / b, g->limit,
			a / b <= g->limit ? "met" : "**not met**");
	}
	fputc('\n', out);
}

/*
 * The README's short tables: ratios of this run's medians, no goals. A
 * cell lists one or more ratios, "row_a/col_a ÷ row_b/col_b" (without
 * row_b: the value itself), separated by " / "; "–" where a value is
 * missing.
 */
struct ratio {
	const char *row_a, *col_a;
	const char *row_b, *col_b;
};

#define SUMMARY_MAX 3

struct summary_row {
	const char *text;
	struct ratio cell[3][SUMMARY_MAX];
};

static void print_ratios(FILE *out, const struct ratio *r)
{
	fputc(' ', out);
	if (r[0].row_a == NULL)
		fputs("–", out);
	for (int i = 0; i < SUMMARY_MAX && r[i].row_a != NULL; i++) {
		double a = cell_value(r[i].row_a, r[i].col_a);
		double b = r[i].row_b != NULL ? cell_value(r[i].row_b, r[i].col_b) : 1;

		if (i > 0)
			fputs(" / ", out);
		if (a < 0 || b <= 0)
			fputs("–", out);
		else if (r[i].row_b == NULL)
			fprintf(out, "%.0f", a);
		else
			fprintf(out, "%.2f", a / b);
	}
	fputs(" |", out);
}

/* iobuf ÷ col in row. */
#define VS(row, col) { row, "iobuf", row, col }

static const struct summary_row peers[] = {
	{ "hot get+put pair (cache hit), cache 256 / 32", {
		{ VS("1.s256", "mempool+cache"), VS("1.s32", "mempool+cache") },
		{ VS("1.s256", "llcache"), VS("1.s32", "llcache") },
		{ VS("1.s256", "array stack"), VS("1.s32", "array stack") } } },
	{ "get 4096 buffers, then put them back", {
		{ VS("2.s4096", "mempool+cache") }, { VS("2.s4096", "llcache") },
		{ VS("2.s4096", "array stack") } } },
	{ "producer → consumer, threads on 2 CPUs (per buffer)", {
		{ VS("4", "mempool+cache") }, { VS("4", "llcache") },
		{ VS("4", "array stack") } } },
	{ "producer → consumer, both threads on one CPU (per buffer)", {
		{ VS("4s", "mempool+cache") }, { VS("4s", "llcache") },
		{ VS("4s", "array stack") } } },
	{ "bulk get 32 + put 32 (per buffer)", {
		{ VS("5", "mempool+cache") } } },
	{ "cold buffer: first line flushed between get and put", {
		{ VS("3", "mempool+cache") }, { VS("3", "llcache") },
		{ VS("3", "array stack") } } },
	{ "instructions per hot pair (callgrind, net of the loop)", {
		{ VS("1.s256.ir", "mempool+cache") }, { VS("1.s256.ir", "llcache") },
		{ VS("1.s256.ir", "array stack") } } },
};

static const struct summary_row alone[] = {
	{ "instructions per hot pair, cache 256 / 32 (callgrind, net of the loop)", { {
		{ "1.s256.ir", "iobuf", NULL, NULL }, { "1.s32.ir", "iobuf", NULL, NULL } } } },
	{ "cold buffer ÷ the loop alone (a no-op in iobuf's place)", { { VS("3", "no-op") } } },
	{ "large ÷ small buffers: hot pair, cache 256 / 32", { {
		{ "1.l256", "iobuf", "1.s256", "iobuf" }, { "1.l32", "iobuf", "1.s32", "iobuf" } } } },
	{ "large ÷ small buffers: get N then put N, N = 32 / 256 / 4096", { {
		{ "2.l32", "iobuf", "2.s32", "iobuf" }, { "2.l256", "iobuf", "2.s256", "iobuf" },
		{ "2.l4096", "iobuf", "2.s4096", "iobuf" } } } },
	{ "8 unpinned threads on 2 CPUs ÷ 2 threads, bursts of 64 / 128", { {
		{ "7.8.64", "iobuf", "7.2.64", "iobuf" }, { "7.8.128", "iobuf", "7.2.128", "iobuf" } } } },
	{ "8 unpinned threads on 2 CPUs ÷ rte_mempool + cache on an RTS ring, bursts of 64 / 128", { {
		VS("7.8.64", "mempool+cache rts"), VS("7.8.128", "mempool+cache rts") } } },
};

static void print_summary(FILE *out)
{
	fputs("| workload | rte_mempool + cache | linked-list cache | inline array stack |\n"
	      "|---|--:|--:|--:|\n", out);
	for (size_t i = 0; i < sizeof(peers) / sizeof(peers[0]); i++) {
		fprintf(out, "| %s |", peers[i].text);
		for (int c = 0; c < 3; c++)
			print_ratios(out, peers[i].cell[c]);
		fputc('\n', out);
	}
	fputs("\n| iobuf alone | |\n|---|--:|\n", out);
	for (size_t i = 0; i < sizeof(alone) / sizeof(alone[0]); i++) {
		fprintf(out, "| %s |", alone[i].text);
		print_ratios(out, alone[i].cell[0]);
		fputc('\n', out);
	}
}

static void read_records(FILE *in)
{
	char line[1024];

	while (fgets(line, sizeof(line), in) != NULL)
		add_record(line);
}

static void print_all(FILE *out)
{
	for (int i = 0; i < ntables; i++)
		if (strcmp(tables[i].name, "machine") == 0)
			print_table(out, &tables[i]);
	for (int i = 0; i < ntables; i++)
		if (strcmp(tables[i].name, "warnings") == 0)
			print_table(out, &tables[i]);
	print_goals(out);
	for (int i = 0; i < ntables; i++)
		if (strcmp(tables[i].name, "warnings") != 0 &&
		    strcmp(tables[i].name, "machine") != 0)
			print_table(out, &tables[i]);
}

void report_print_file(FILE *in, FILE *out)
{
	read_records(in);
	print_all(out);
}

int report_print(int nfiles, char **files, bool summary, FILE *out)
{
	for (int i = 0; i < nfiles; i++) {
		FILE *in = fopen(files[i], "r");

		if (in == NULL) {
			fprintf(stderr, "iobuf_bench: %s: %s\n", files[i], strerror(errno));
			return -errno;
		}
		read_records(in);
		fclose(in);
	}
	if (summary)
		print_summary(out);
	else
		print_all(out);
	return 0;
}
