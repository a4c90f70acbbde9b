/*
 * An intrusive least-recently-used list, shared by the SA trackers: a
 * node embeds struct lru_link as its FIRST member, so a link pointer is
 * also a node pointer. The head is the least recently touched node (the
 * first to finalise when idle or at a cap).
 */
#ifndef WFPDIAG_ANALYZE_LRU_H
#define WFPDIAG_ANALYZE_LRU_H

#include <stddef.h>

struct lru_link {
	struct lru_link *prev, *next;
};

struct lru {
	struct lru_link *head, *tail;
};

static inline void
lru_unlink(struct lru *l, struct lru_link *n)
{
	if (n->prev)
		n->prev->next = n->next;
	else
		l->head = n->next;
	if (n->next)
		n->next->prev = n->prev;
	else
		l->tail = n->prev;
	n->prev = n->next = NULL;
}

static inline void
lru_append(struct lru *l, struct lru_link *n)
{
	n->prev = l->tail;
	n->next = NULL;
	if (l->tail)
		l->tail->next = n;
	else
		l->head = n;
	l->tail = n;
}

/* Moves n to the most recent end. */
static inline void
lru_touch(struct lru *l, struct lru_link *n)
{
	if (l->tail != n) {
		lru_unlink(l, n);
		lru_append(l, n);
	}
}

#endif
