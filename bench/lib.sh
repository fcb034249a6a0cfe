# Shared by the bench scripts (sourced): timing and medians, measured the same way for every
# contestant.

# Microseconds since the epoch, from bash's $EPOCHREALTIME (no process started).
now_us() { local t=${EPOCHREALTIME/./}; echo "$t"; }

# The median of the numbers on stdin, one per line, with 3 decimals (the mean of the two middle
# values for an even count); exit 1 when there are none.
median() {
  sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) exit 1; m = int((NR + 1) / 2);
    if (NR % 2) printf "%.3f", v[m]; else printf "%.3f", (v[m] + v[m + 1]) / 2 }'
}
