/* SPDX-License-Identifier: ISC */
/* store_queue.c: the queue between the event loop and the writer thread:
 * chunks of records of one kind, their lists, store_push_*, the bounds and
 * the dropped and rejected counters. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "lib/timeutil.h"
#include "lib/xalloc.h"
#include "store/store_int.h"

#define STORE_CHUNK_BYTES (64 * 1024)
#define STORE_SPARE_MAX   8 /* recycled chunks kept per kind */

/*
 * The queue. store_push_* run in the event loop, so they only copy the
 * record into the tail chunk of its kind under a mutex held for a few
 * instructions; a new chunk comes from a small spare list, or malloc once
 * every few thousand records. The writer swaps whole lists out under the
 * same mutex and does all SQLite work without it.
 *
 * Records a write cycle has taken stay in `pending` until their transaction
 * commits: when the disk is full or the database locked they are retried on
 * the next cycle together with what arrived meanwhile, and they keep counting
 * against the bounds, so memory stays bounded while nothing is lost silently.
 */
const size_t store_qk_size[STORE_QK_N] = {
	[STORE_QK_LOSS] = sizeof(struct store_loss),
	[STORE_QK_TRANSITION] = sizeof(struct store_transition),
	[STORE_QK_EVENT] = sizeof(struct store_event),
	[STORE_QK_WINDOW] = sizeof(struct store_window),
	[STORE_QK_SUMMARY] = sizeof(struct store_target_summary),
	[STORE_QK_SAMPLE] = sizeof(struct store_sample),
	[STORE_QK_SECOND] = sizeof(struct store_second),
};

/* Records one chunk of this kind holds. */
static size_t
store_chunk_cap(enum store_qkind k)
{
	return STORE_CHUNK_BYTES / store_qk_size[k];
}

/* A chunk for kind k: a spare one, or a new one. Caller holds mu. */
static struct store_chunk *
store_chunk_get(struct store *s, enum store_qkind k)
{
	struct store_chunk *c = s->spare[k];

	if (c != NULL) {
		s->spare[k] = c->next;
		s->nspare[k]--;
	} else
		c = xmalloc(sizeof *c + STORE_CHUNK_BYTES);
	c->next = NULL;
	c->n = 0;
	return c;
}

/* Append list b to list a and empty b. */
void
store_list_concat(struct store_list *a, struct store_list *b)
{
	if (b->head == NULL)
		return;
	if (a->tail != NULL)
		a->tail->next = b->head;
	else
		a->head = b->head;
	a->tail = b->tail;
	a->count += b->count;
	memset(b, 0, sizeof *b);
}

/* Free the strings an event record owns. */
static void
store_event_free(struct store_event *ev)
{
	free((char *)ev->kind);
	free((char *)ev->text);
}

/* Free the strings a window record owns. */
static void
store_window_free(struct store_window *w)
{
	free((char *)w->ifname);
	free((char *)w->code);
	free((char *)w->reason);
}

/* Free the strings the records of list l own (events' and windows'), not
 * the chunks. */
void
store_list_free_strings(struct store_list *l, enum store_qkind k)
{
	struct store_chunk *c;
	size_t i;

	if (k != STORE_QK_EVENT && k != STORE_QK_WINDOW)
		return;
	for (c = l->head; c != NULL; c = c->next) {
		for (i = 0; i < c->n; i++) {
			if (k == STORE_QK_EVENT)
				store_event_free((struct store_event *)c->data + i);
			else
				store_window_free((struct store_window *)c->data + i);
		}
	}
}

/* Free the records of list l (strings of events too) and its chunks. */
static void
store_list_free(struct store_list *l, enum store_qkind k)
{
	struct store_chunk *c, *next;

	store_list_free_strings(l, k);
	for (c = l->head; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	memset(l, 0, sizeof *l);
}

/*
 * Give the chunks of the lists done back: up to STORE_SPARE_MAX per kind
 * become spares, the rest are returned as one chain for the caller to
 * free once it has released mu (store_chunks_free). Caller holds mu.
 */
struct store_chunk *
store_queue_recycle(struct store *s, struct store_list *done)
{
	struct store_chunk *c, *next, *release = NULL;
	size_t k;

	for (k = 0; k < STORE_QK_N; k++) {
		for (c = done[k].head; c != NULL; c = next) {
			next = c->next;
			if (s->nspare[k] < STORE_SPARE_MAX) {
				c->next = s->spare[k];
				s->spare[k] = c;
				s->nspare[k]++;
			} else {
				c->next = release;
				release = c;
			}
		}
	}
	return release;
}

/* Free a chain of chunks. */
void
store_chunks_free(struct store_chunk *c)
{
	struct store_chunk *next;

	for (; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
}

/* A little room so the first bursts of records need no malloc: one spare
 * chunk of each kind (store_open). */
void
store_queue_prime(struct store *s)
{
	size_t k;

	for (k = 0; k < STORE_QK_N; k++) {
		struct store_chunk *c = xmalloc(sizeof *c + STORE_CHUNK_BYTES);

		c->next = NULL;
		s->spare[k] = c;
		s->nspare[k] = 1;
	}
}

/* Free everything queued or pending and the spare chunks (store_free). */
void
store_queue_free(struct store *s)
{
	size_t k;

	for (k = 0; k < STORE_QK_N; k++) {
		store_list_free(&s->queue[k], k);
		store_list_free(&s->pending[k], k);
		store_chunks_free(s->spare[k]);
		s->spare[k] = NULL;
		s->nspare[k] = 0;
	}
}

/*
 * A slot for one record of kind k, or NULL when the bounds say drop it.
 * Caller holds mu. Samples and seconds go once bulk_max records of any kind
 * are queued; vital records only at vital_max of their own, so a flood of
 * samples never pushes out an outage.
 */
static void *
store_queue_slot(struct store *s, enum store_qkind k)
{
	struct store_list *l = &s->queue[k];
	int vital = k < STORE_QK_NVITAL;

	if (vital ? s->queued_vital >= s->vital_max : s->queued_all >= s->bulk_max) {
		__atomic_add_fetch(&s->dropped, 1, __ATOMIC_RELAXED);
		return NULL;
	}
	if (l->tail == NULL || l->tail->n == store_chunk_cap(k)) {
		struct store_chunk *c = store_chunk_get(s, k);

		if (l->tail != NULL)
			l->tail->next = c;
		else
			l->head = c;
		l->tail = c;
	}
	l->count++;
	s->queued_all++;
	if (vital) {
		s->queued_vital++;
		if (!s->urgent) {
			s->urgent = 1;
			pthread_cond_signal(&s->wake);
		}
	}
	return l->tail->data + store_qk_size[k] * l->tail->n++;
}

/* Copy one record of kind k into the queue (or count it dropped). */
static void
store_push(struct store *s, enum store_qkind k, const void *rec)
{
	void *slot;

	if (s == NULL || s->mode != STORE_WRITE || rec == NULL)
		return;
	pthread_mutex_lock(&s->mu);
	slot = store_queue_slot(s, k);
	if (slot != NULL)
		memcpy(slot, rec, store_qk_size[k]);
	pthread_mutex_unlock(&s->mu);
}

/* Queue a loss burst or outage. */
void
store_push_loss(struct store *s, const struct store_loss *l)
{
	store_push(s, STORE_QK_LOSS, l);
}

/* Queue a state transition. */
void
store_push_transition(struct store *s, const struct store_transition *t)
{
	store_push(s, STORE_QK_TRANSITION, t);
}

/* Queue one probe sample. */
void
store_push_sample(struct store *s, const struct store_sample *smp)
{
	store_push(s, STORE_QK_SAMPLE, smp);
}

/* Queue one per-second aggregate. */
void
store_push_second(struct store *s, const struct store_second *sec)
{
	store_push(s, STORE_QK_SECOND, sec);
}

/* Queue a per-target session summary. */
void
store_push_target_summary(struct store *s, const struct store_target_summary *ts)
{
	store_push(s, STORE_QK_SUMMARY, ts);
}

/* Queue an event, copying its strings (outside the lock). */
void
store_push_event(struct store *s, const struct store_event *ev)
{
	struct store_event copy;
	void *slot;

	if (s == NULL || s->mode != STORE_WRITE || ev == NULL)
		return;
	copy = *ev;
	copy.kind = xstrdup(ev->kind != NULL ? ev->kind : "");
	copy.text = ev->text != NULL ? xstrdup(ev->text) : NULL;
	pthread_mutex_lock(&s->mu);
	slot = store_queue_slot(s, STORE_QK_EVENT);
	if (slot != NULL)
		memcpy(slot, &copy, sizeof copy);
	pthread_mutex_unlock(&s->mu);
	if (slot == NULL)
		store_event_free(&copy);
}

/* Queue an UNKNOWN window, copying its strings (outside the lock). */
void
store_push_window(struct store *s, const struct store_window *w)
{
	struct store_window copy;
	void *slot;

	if (s == NULL || s->mode != STORE_WRITE || w == NULL)
		return;
	copy = *w;
	copy.ifname = w->ifname != NULL ? xstrdup(w->ifname) : NULL;
	copy.code = xstrdup(w->code != NULL ? w->code : "other");
	copy.reason = xstrdup(w->reason != NULL ? w->reason : "");
	pthread_mutex_lock(&s->mu);
	slot = store_queue_slot(s, STORE_QK_WINDOW);
	if (slot != NULL)
		memcpy(slot, &copy, sizeof copy);
	pthread_mutex_unlock(&s->mu);
	if (slot == NULL)
		store_window_free(&copy);
}

/* Records dropped because the queue was full. */
uint64_t
store_dropped(const struct store *s)
{
	return s != NULL ? __atomic_load_n(&s->dropped, __ATOMIC_RELAXED) : 0;
}

/* Records the database refused (constraint violations). */
uint64_t
store_rejected(const struct store *s)
{
	return s != NULL ? __atomic_load_n(&s->rejected, __ATOMIC_RELAXED) : 0;
}

/* Change the queue bounds (tests use small ones). */
void
store_set_queue_limits(struct store *s, size_t bulk_max, size_t vital_max)
{
	if (s == NULL)
		return;
	pthread_mutex_lock(&s->mu);
	if (bulk_max > 0)
		s->bulk_max = bulk_max;
	if (vital_max > 0)
		s->vital_max = vital_max;
	pthread_mutex_unlock(&s->mu);
}
