#!/bin/sh
# The daemon's module graph: a module is X.c plus X.h, an edge where one
# includes the other's header. No cycle may be wider than the natural
# pairs (device and peer, send and receive), as in the Linux module: a
# wider one says a responsibility sits in the wrong file. Prints each
# strongly connected component of more than one module and ends with
# "modules: N passed, N failed".
dir=${1:-$(dirname "$0")/../../daemon}
for f in "$dir"/*.c "$dir"/*.h; do
	m=$(basename "$f")
	m=${m%.*}
	sed -n 's/^#include "\([a-z_]*\)\.h".*/\1/p' "$f" | while read -r to; do
		[ -e "$dir/$to.h" ] && [ "$to" != "$m" ] && echo "$m $to"
	done
done | sort -u | awk '
{ edge[$1, $2] = 1; node[$1] = 1; node[$2] = 1 }
END {
	n = 0
	for (v in node) name[n++] = v
	# Reachability by transitive closure (a few dozen modules).
	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++)
			r[i, j] = ((name[i], name[j]) in edge)
	for (k = 0; k < n; k++)
		for (i = 0; i < n; i++)
			if (r[i, k])
				for (j = 0; j < n; j++)
					if (r[k, j])
						r[i, j] = 1
	allowed["device peer"] = 1
	allowed["receive send"] = 1
	bad = 0
	for (i = 0; i < n; i++) {
		if (done[i])
			continue
		comp = name[i]; size = 1; done[i] = 1
		for (j = 0; j < n; j++)
			if (j != i && !done[j] && r[i, j] && r[j, i]) {
				comp = comp " " name[j]; size++; done[j] = 1
			}
		if (size < 2)
			continue
		# Sort the component for a stable message.
		m = split(comp, parts, " ")
		for (a = 1; a <= m; a++)
			for (b = a + 1; b <= m; b++)
				if (parts[b] < parts[a]) {
					t = parts[a]; parts[a] = parts[b]; parts[b] = t
				}
		comp = parts[1]
		for (a = 2; a <= m; a++)
			comp = comp " " parts[a]
		if (comp in allowed) {
			print "ok - natural pair: " comp
		} else {
			print "not ok - cycle: " comp
			bad++
		}
	}
	print "modules: " (bad ? 0 : 1) " passed, " bad " failed"
	exit bad ? 1 : 0
}'
