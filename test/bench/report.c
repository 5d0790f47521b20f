/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * Records to markdown. A record is table, row, label, column, value, unit
 * separated by tabs; rows and columns keep the order they first appear in.
 * Cells of a table with an "iobuf" column carry the ratio iobuf ÷ cell, the
 * form the goals are stated in: below 1, iobuf is faster (or runs fewer
 * instructions).
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
	/* The reference columns are bounds, not contenders: no ratio. */
	if (ref >= 0 && c != ref && x > 0 && strncmp(t->col[c], "no-op", 5) != 0 &&
	    strcmp(t->col[c], "array stack") != 0 && t->cell[r][ref][0] != '\0' &&
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
 * Issue 3's goals, checked against the main table. A goal compares
 * row_a/col_a with row_b/col_b (a ratio) or, without row_b, states a bound
 * on row_a/col_a itself.
 */
struct goal {
	const char *text;
	const char *row_a, *col_a;
	const char *row_b, *col_b;
	double limit;
};

static const struct goal goals[] = {
	{ "1 hot pair, cache 256: iobuf ÷ mempool+cache", "1.s256", "iobuf", "1.s256", "mempool+cache", 0.55 },
	{ "1 hot pair, cache 32: iobuf ÷ mempool+cache", "1.s32", "iobuf", "1.s32", "mempool+cache", 0.55 },
	{ "1 hot pair, cache 256: iobuf ÷ llcache", "1.s256", "iobuf", "1.s256", "llcache", 0.9 },
	{ "1 hot pair, cache 32: iobuf ÷ llcache", "1.s32", "iobuf", "1.s32", "llcache", 0.9 },
	{ "1 hot pair, cache 256: iobuf instructions per pair", "1.s256.ir", "iobuf", NULL, NULL, 34 },
	{ "1 hot pair, cache 32: iobuf instructions per pair", "1.s32.ir", "iobuf", NULL, NULL, 34 },
	{ "2 N=4096: iobuf ÷ mempool+cache", "2.s4096", "iobuf", "2.s4096", "mempool+cache", 1.0 },
	{ "2 N=4096: iobuf ÷ llcache", "2.s4096", "iobuf", "2.s4096", "llcache", 0.15 },
	{ "3 cold: iobuf ÷ llcache", "3", "iobuf", "3", "llcache", 0.2 },
	{ "4 producer→consumer: iobuf ns/buffer ÷ mempool+cache", "4", "iobuf", "4", "mempool+cache", 1.0 },
	{ "large ÷ small, 1 hot pair, cache 256", "1.l256", "iobuf", "1.s256", "iobuf", 1.05 },
	{ "large ÷ small, 1 hot pair, cache 32", "1.l32", "iobuf", "1.s32", "iobuf", 1.05 },
	{ "large ÷ small, 2 N=32", "2.l32", "iobuf", "2.s32", "iobuf", 1.05 },
	{ "large ÷ small, 2 N=256", "2.l256", "iobuf", "2.s256", "iobuf", 1.05 },
	{ "large ÷ small, 2 N=4096", "2.l4096", "iobuf", "2.s4096", "iobuf", 1.05 },
	{ "7 oversubscribed: iobuf 8 threads ÷ iobuf 2 threads", "7.8.64", "iobuf", "7.2.64", "iobuf", 1.5 },
	{ "7 oversubscribed: iobuf ÷ mempool+cache rts", "7.8.64", "iobuf", "7.8.64", "mempool+cache rts", 1.0 },
};

/* The value of a numeric cell of the main table, or a negative number. */
static double cell_value(const char *row, const char *col)
{
	for (int i = 0; i < ntables; i++) {
		const struct rtable *t = &tables[i];
		int r = -1, c = -1;

		if (strcmp(t->name, "main") != 0)
			continue;
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
	return -1;
}

/*
 * For a goal that sets iobuf against another contender, the no-op's value
 * in iobuf's place: the no-op in a shared library where the row has one,
 * else the plain no-op (instruction rows). Negative when there is none.
 */
static double goal_floor(const struct goal *g)
{
	double v;

	if (strcmp(g->col_a, "iobuf") != 0 ||
	    (g->col_b != NULL && strcmp(g->col_b, "iobuf") == 0))
		return -1;
	v = cell_value(g->row_a, "no-op .so");
	return v >= 0 ? v : cell_value(g->row_a, "no-op");
}

static void print_goals(FILE *out)
{
	bool header = false;

	for (size_t i = 0; i < sizeof(goals) / sizeof(goals[0]); i++) {
		const struct goal *g = &goals[i];
		double a = cell_value(g->row_a, g->col_a);
		double b = g->row_b != NULL ? cell_value(g->row_b, g->col_b) : 1;
		double floor_a = goal_floor(g);
		char floor[32] = "–";
		double v;

		if (a < 0 || b <= 0)
			continue;
		if (!header) {
			fputs("### Goals of issue 3\n\n"
			      "\"a call alone\": the same ratio for the no-op called in a "
			      "shared library in place of iobuf: what a contender that "
			      "is not inlined into its caller's executable can reach "
			      "at best, up to the noise between repetitions.\n\n"
			      "| goal | measured | target | met | a call alone |\n"
			      "|---|--:|--:|:-:|--:|\n", out);
			header = true;
		}
		v = a / b;
		if (floor_a >= 0)
			snprintf(floor, sizeof(floor), "%.2f", floor_a / b);
		fprintf(out, "| %s | %.2f | ≤ %.2f | %s | %s |\n", g->text, v, g->limit,
			v <= g->limit ? "yes" : "**no**", floor);
	}
	if (header)
		fputc('\n', out);
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

int report_print(int nfiles, char **files, FILE *out)
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
	print_all(out);
	return 0;
}
