#!/usr/bin/env bash
# Draws the transfer results of a build-aux/bench run as an SVG:
#   tests/bench/plot.sh RESULTS.txt OUT.svg
set -euo pipefail
results=$1
out=$2
data=$(mktemp)
trap 'rm -f "$data"' EXIT

for link in loopback veth veth_1gbit; do
  raw=$(awk -v k="${link}_raw_tcp" '$1 == k { print $2 }' "$results")
  disk=$(awk -v k="${link}_raw_tcp_to_disk" '$1 == k { print $2 }' "$results")
  ours=$(awk -v k="${link}_dropify" '$1 == k { print $2 }' "$results")
  case $link in
    loopback) label="loopback" ;;
    veth) label="veth, unshaped" ;;
    veth_1gbit) label="veth, 1 Gbit/s" ;;
  esac
  [ -n "$raw" ] && [ -n "$ours" ] && echo "\"$label\" $raw ${disk:-0} $ours" >> "$data"
done

gnuplot <<GNUPLOT
set terminal svg size 640,360 font "Cantarell,12" background rgb "white" noenhanced
set output "$out"
set title "File transfer, 1 GiB, TLS on: Dropify against raw TCP on the same link"
set ylabel "MiB/s"
set style data histograms
set style histogram cluster gap 1
set style fill solid 0.9 border -1
set boxwidth 0.9
set yrange [0:*]
set grid ytics
set key top right
plot "$data" using 2:xtic(1) title "raw TCP to /dev/null" lc rgb "#99c1f1", \
     "" using 3 title "raw TCP to a file, synced" lc rgb "#62a0ea", \
     "" using 4 title "Dropify (TLS, hashed, synced)" lc rgb "#1a5fb4"
GNUPLOT
echo "wrote $out"
