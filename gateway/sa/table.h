/*
 * table.h (sa/): the IKE SA table. Keyed by our own SPI (SPIr when we
 * respond, SPIi when we initiate), with a second index for half-open SAs
 * keyed by the peer's SPIi and address (a retransmitted IKE_SA_INIT finds
 * its SA). Checkout gives one thread exclusive use of an SA and waits
 * while another has it; the only locks are the per-segment mutexes, never
 * held across anything but the table's own bookkeeping. Thread-safe.
 */
#ifndef PAL_SA_TABLE_H
#define PAL_SA_TABLE_H

#include <stddef.h>
#include <stdint.h>

struct ike_sa;
struct sa_ep;
struct sa_table;

struct sa_table *sa_table_new(void);
/* The table must be empty of checked-out SAs; remaining SAs are handed to
 * destroy (may be NULL). */
void sa_table_free(struct sa_table *t, void (*destroy)(struct ike_sa *sa));
/* Insert sa under our SPI, checked out by the caller. GW_E_EXISTS if taken. */
int sa_table_insert(struct sa_table *t, uint64_t spi, struct ike_sa *sa);
/* NULL when there is no such SA (or it was removed while we waited). */
struct ike_sa *sa_table_checkout(struct sa_table *t, uint64_t spi);
void sa_table_checkin(struct sa_table *t, uint64_t spi);
/* Remove a checked-out SA (the caller then frees it); waiters get NULL. */
void sa_table_remove(struct sa_table *t, uint64_t spi);
size_t sa_table_count(struct sa_table *t);
/* Our SPIs of every SA now (heap array, caller frees), for listings. */
size_t sa_table_spis(struct sa_table *t, uint64_t **spis);

/* The half-open index: (peer's SPIi, peer address) -> our SPI. */
int sa_table_halfopen_add(struct sa_table *t, uint64_t spi_i, const struct sa_ep *peer,
			  uint64_t spi);
int sa_table_halfopen_find(struct sa_table *t, uint64_t spi_i, const struct sa_ep *peer,
			   uint64_t *spi);
void sa_table_halfopen_del(struct sa_table *t, uint64_t spi_i, const struct sa_ep *peer);
size_t sa_table_halfopen_count(struct sa_table *t);

#endif
