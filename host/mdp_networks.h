/* Sorting networks for 2..16 keys: Batcher's odd-even merge sort (Knuth, TAOCP 5.3.4)
 * pruned to n keys. CREDAL_NETWORK_n(X) expands X(i, j), i < j, for each comparator in
 * order. Written by scripts/sorting_networks.py, which checks each on every 0-1 input. */
#ifndef CREDAL_MDP_NETWORKS_H
#define CREDAL_MDP_NETWORKS_H

/* 2 keys, 1 comparators */
#define CREDAL_NETWORK_2(X) \
  X(0, 1)

/* 3 keys, 3 comparators */
#define CREDAL_NETWORK_3(X) \
  X(0, 1) X(0, 2) X(1, 2)

/* 4 keys, 5 comparators */
#define CREDAL_NETWORK_4(X) \
  X(0, 1) X(2, 3) X(0, 2) X(1, 3) X(1, 2)

/* 5 keys, 9 comparators */
#define CREDAL_NETWORK_5(X) \
  X(0, 1) X(2, 3) X(0, 2) X(1, 3) X(1, 2) X(0, 4) X(2, 4) X(1, 2) \
  X(3, 4)

/* 6 keys, 12 comparators */
#define CREDAL_NETWORK_6(X) \
  X(0, 1) X(2, 3) X(4, 5) X(0, 2) X(1, 3) X(1, 2) X(0, 4) X(1, 5) \
  X(2, 4) X(3, 5) X(1, 2) X(3, 4)

/* 7 keys, 16 comparators */
#define CREDAL_NETWORK_7(X) \
  X(0, 1) X(2, 3) X(4, 5) X(0, 2) X(1, 3) X(4, 6) X(1, 2) X(5, 6) \
  X(0, 4) X(1, 5) X(2, 6) X(2, 4) X(3, 5) X(1, 2) X(3, 4) X(5, 6)

/* 8 keys, 19 comparators */
#define CREDAL_NETWORK_8(X) \
  X(0, 1) X(2, 3) X(4, 5) X(6, 7) X(0, 2) X(1, 3) X(4, 6) X(5, 7) \
  X(1, 2) X(5, 6) X(0, 4) X(1, 5) X(2, 6) X(3, 7) X(2, 4) X(3, 5) \
  X(1, 2) X(3, 4) X(5, 6)

/* 9 keys, 28 comparators */
#define CREDAL_NETWORK_9(X) \
  X(0, 1) X(2, 3) X(4, 5) X(6, 7) X(0, 2) X(1, 3) X(4, 6) X(5, 7) \
  X(1, 2) X(5, 6) X(0, 4) X(1, 5) X(2, 6) X(3, 7) X(2, 4) X(3, 5) \
  X(1, 2) X(3, 4) X(5, 6) X(0, 8) X(4, 8) X(2, 4) X(3, 5) X(6, 8) \
  X(1, 2) X(3, 4) X(5, 6) X(7, 8)

/* 10 keys, 32 comparators */
#define CREDAL_NETWORK_10(X) \
  X(0, 1) X(2, 3) X(4, 5) X(6, 7) X(8, 9) X(0, 2) X(1, 3) X(4, 6) \
  X(5, 7) X(1, 2) X(5, 6) X(0, 4) X(1, 5) X(2, 6) X(3, 7) X(2, 4) \
  X(3, 5) X(1, 2) X(3, 4) X(5, 6) X(0, 8) X(1, 9) X(4, 8) X(5, 9) \
  X(2, 4) X(3, 5) X(6, 8) X(7, 9) X(1, 2) X(3, 4) X(5, 6) X(7, 8)

/* 11 keys, 38 comparators */
#define CREDAL_NETWORK_11(X) \
  X(0, 1) X(2, 3) X(4, 5) X(6, 7) X(8, 9) X(0, 2) X(1, 3) X(4, 6) \
  X(5, 7) X(8, 10) X(1, 2) X(5, 6) X(9, 10) X(0, 4) X(1, 5) X(2, 6) \
  X(3, 7) X(2, 4) X(3, 5) X(1, 2) X(3, 4) X(5, 6) X(9, 10) X(0, 8) \
  X(1, 9) X(2, 10) X(4, 8) X(5, 9) X(6, 10) X(2, 4) X(3, 5) X(6, 8) \
  X(7, 9) X(1, 2) X(3, 4) X(5, 6) X(7, 8) X(9, 10)

/* 12 keys, 42 comparators */
#define CREDAL_NETWORK_12(X) \
  X(0, 1) X(2, 3) X(4, 5) X(6, 7) X(8, 9) X(10, 11) X(0, 2) X(1, 3) \
  X(4, 6) X(5, 7) X(8, 10) X(9, 11) X(1, 2) X(5, 6) X(9, 10) X(0, 4) \
  X(1, 5) X(2, 6) X(3, 7) X(2, 4) X(3, 5) X(1, 2) X(3, 4) X(5, 6) \
  X(9, 10) X(0, 8) X(1, 9) X(2, 10) X(3, 11) X(4, 8) X(5, 9) X(6, 10) \
  X(7, 11) X(2, 4) X(3, 5) X(6, 8) X(7, 9) X(1, 2) X(3, 4) X(5, 6) \
  X(7, 8) X(9, 10)

/* 13 keys, 48 comparators */
#define CREDAL_NETWORK_13(X) \
  X(0, 1) X(2, 3) X(4, 5) X(6, 7) X(8, 9) X(10, 11) X(0, 2) X(1, 3) \
  X(4, 6) X(5, 7) X(8, 10) X(9, 11) X(1, 2) X(5, 6) X(9, 10) X(0, 4) \
  X(1, 5) X(2, 6) X(3, 7) X(8, 12) X(2, 4) X(3, 5) X(10, 12) X(1, 2) \
  X(3, 4) X(5, 6) X(9, 10) X(11, 12) X(0, 8) X(1, 9) X(2, 10) X(3, 11) \
  X(4, 12) X(4, 8) X(5, 9) X(6, 10) X(7, 11) X(2, 4) X(3, 5) X(6, 8) \
  X(7, 9) X(10, 12) X(1, 2) X(3, 4) X(5, 6) X(7, 8) X(9, 10) X(11, 12)

/* 14 keys, 53 comparators */
#define CREDAL_NETWORK_14(X) \
  X(0, 1) X(2, 3) X(4, 5) X(6, 7) X(8, 9) X(10, 11) X(12, 13) X(0, 2) \
  X(1, 3) X(4, 6) X(5, 7) X(8, 10) X(9, 11) X(1, 2) X(5, 6) X(9, 10) \
  X(0, 4) X(1, 5) X(2, 6) X(3, 7) X(8, 12) X(9, 13) X(2, 4) X(3, 5) \
  X(10, 12) X(11, 13) X(1, 2) X(3, 4) X(5, 6) X(9, 10) X(11, 12) X(0, 8) \
  X(1, 9) X(2, 10) X(3, 11) X(4, 12) X(5, 13) X(4, 8) X(5, 9) X(6, 10) \
  X(7, 11) X(2, 4) X(3, 5) X(6, 8) X(7, 9) X(10, 12) X(11, 13) X(1, 2) \
  X(3, 4) X(5, 6) X(7, 8) X(9, 10) X(11, 12)

/* 15 keys, 59 comparators */
#define CREDAL_NETWORK_15(X) \
  X(0, 1) X(2, 3) X(4, 5) X(6, 7) X(8, 9) X(10, 11) X(12, 13) X(0, 2) \
  X(1, 3) X(4, 6) X(5, 7) X(8, 10) X(9, 11) X(12, 14) X(1, 2) X(5, 6) \
  X(9, 10) X(13, 14) X(0, 4) X(1, 5) X(2, 6) X(3, 7) X(8, 12) X(9, 13) \
  X(10, 14) X(2, 4) X(3, 5) X(10, 12) X(11, 13) X(1, 2) X(3, 4) X(5, 6) \
  X(9, 10) X(11, 12) X(13, 14) X(0, 8) X(1, 9) X(2, 10) X(3, 11) X(4, 12) \
  X(5, 13) X(6, 14) X(4, 8) X(5, 9) X(6, 10) X(7, 11) X(2, 4) X(3, 5) \
  X(6, 8) X(7, 9) X(10, 12) X(11, 13) X(1, 2) X(3, 4) X(5, 6) X(7, 8) \
  X(9, 10) X(11, 12) X(13, 14)

/* 16 keys, 63 comparators */
#define CREDAL_NETWORK_16(X) \
  X(0, 1) X(2, 3) X(4, 5) X(6, 7) X(8, 9) X(10, 11) X(12, 13) X(14, 15) \
  X(0, 2) X(1, 3) X(4, 6) X(5, 7) X(8, 10) X(9, 11) X(12, 14) X(13, 15) \
  X(1, 2) X(5, 6) X(9, 10) X(13, 14) X(0, 4) X(1, 5) X(2, 6) X(3, 7) \
  X(8, 12) X(9, 13) X(10, 14) X(11, 15) X(2, 4) X(3, 5) X(10, 12) X(11, 13) \
  X(1, 2) X(3, 4) X(5, 6) X(9, 10) X(11, 12) X(13, 14) X(0, 8) X(1, 9) \
  X(2, 10) X(3, 11) X(4, 12) X(5, 13) X(6, 14) X(7, 15) X(4, 8) X(5, 9) \
  X(6, 10) X(7, 11) X(2, 4) X(3, 5) X(6, 8) X(7, 9) X(10, 12) X(11, 13) \
  X(1, 2) X(3, 4) X(5, 6) X(7, 8) X(9, 10) X(11, 12) X(13, 14)

#endif /* CREDAL_MDP_NETWORKS_H */
