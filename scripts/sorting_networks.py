#!/usr/bin/env python3
"""Writes host/mdp_networks.h: sorting networks for 2..16 keys, Batcher's odd-even merge sort
(Knuth, TAOCP 5.3.4) pruned to n keys. Each is checked on every 0-1 input (the 0-1 principle)
before it is written.  Usage: python3 scripts/sorting_networks.py > host/mdp_networks.h"""


def batcher(n):
    pairs, p = [], 1
    while p < n:
        k = p
        while k >= 1:
            j = k % p
            while j + k < n:
                for i in range(min(k, n - j - k)):
                    if (i + j) // (2 * p) == (i + j + k) // (2 * p):
                        pairs.append((i + j, i + j + k))
                j += 2 * k
            k //= 2
        p *= 2
    return pairs


def sorts(n, pairs):
    for bits in range(1 << n):
        x = [(bits >> i) & 1 for i in range(n)]
        for a, b in pairs:
            if x[a] > x[b]:
                x[a], x[b] = x[b], x[a]
        if any(x[i] > x[i + 1] for i in range(n - 1)):
            return False
    return True


def main():
    print("/* Sorting networks for 2..16 keys: Batcher's odd-even merge sort (Knuth, TAOCP 5.3.4)")
    print(" * pruned to n keys. CREDAL_NETWORK_n(X) expands X(i, j), i < j, for each comparator in")
    print(" * order. Written by scripts/sorting_networks.py, which checks each on every 0-1 input. */")
    print("#ifndef CREDAL_MDP_NETWORKS_H\n#define CREDAL_MDP_NETWORKS_H")
    for n in range(2, 17):
        pairs = batcher(n)
        assert sorts(n, pairs), f"the network for {n} keys does not sort"
        calls = [f"X({a}, {b})" for a, b in pairs]
        lines = [" ".join(calls[i:i + 8]) for i in range(0, len(calls), 8)]
        print(f"\n/* {n} keys, {len(pairs)} comparators */")
        print(f"#define CREDAL_NETWORK_{n}(X) \\\n  " + " \\\n  ".join(lines))
    print("\n#endif /* CREDAL_MDP_NETWORKS_H */")


if __name__ == "__main__":
    main()
