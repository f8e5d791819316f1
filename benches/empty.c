/* An empty preload library: the baseline for the start-up cost of loading
 * libfakefstype.so (what a preload costs at all is not ours to count). */
int fakefstype_bench_empty;
