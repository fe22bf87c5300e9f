#!/usr/bin/env bash
# Simulates a cluster of HOSTS hosts on this machine for docs/scaling.md: one network namespace per
# host (own UTS name, so Open MPI sees distinct nodes), all joined by a bridge in a namespace of
# their own through veth pairs whose sending side tc's token bucket limits to RATE (BURST bytes of
# bucket); TCP only (no shared memory). (This kernel has no netem, so no added delay: the latency
# is that of the veth and TCP stack; time it with bench-allreduce --floats 1.)
# Runs `latentdiff-mpi ARGS...` with one rank per simulated host; mpirun starts in host 1 and
# reaches the others through a launcher that enters their namespace (in place of ssh). Needs root
# (CAP_NET_ADMIN); touches no interface of the calling namespace and removes everything it made.
#   HOSTS=2 RATE=10gbit BURST=256kb mpi/simulate_hosts.sh bench-allreduce --floats 1219057
# The hosts share this machine's cores: only network-bound numbers mean anything.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
hosts=${HOSTS:-2} rate=${RATE:-10gbit} burst=${BURST:-256kb}
bin=$here/.build/release/latentdiff-mpi
[ -x "$bin" ] || (cd "$here" && swift build -c release --product latentdiff-mpi > /dev/null)
work=$(mktemp -d)
cleanup() {
    for i in $(seq "$hosts"); do ip netns del "ldsim$i" 2> /dev/null || true; done
    ip netns del ldsimnet 2> /dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

ip netns add ldsimnet
ip -n ldsimnet link add br0 type bridge
ip -n ldsimnet link set br0 up
for i in $(seq "$hosts"); do
    ip netns add "ldsim$i"
    ip -n "ldsim$i" link set lo up
    ip link add simnet netns "ldsim$i" type veth peer name "port$i" netns ldsimnet
    ip -n ldsimnet link set "port$i" master br0 up
    ip -n "ldsim$i" addr add "10.77.0.$i/24" dev simnet
    ip -n "ldsim$i" link set simnet up
    # Each host sends at most RATE.
    tc -n "ldsim$i" qdisc add dev simnet root tbf rate "$rate" burst "$burst" latency 100ms
    echo "10.77.0.$i slots=1" >> "$work/hostfile"
done

# Open MPI's rsh/ssh launcher for the simulated hosts: "launch HOST COMMAND..." runs COMMAND (a
# shell command line, as ssh would) in HOST's namespace under HOST's name.
cat > "$work/launch" <<'LAUNCH'
#!/bin/sh
host=$1
shift
ns=ldsim${host##*.}
exec ip netns exec "$ns" unshare --uts sh -c "hostname $ns; $*"
LAUNCH
chmod +x "$work/launch"

if [ "$(id -u)" = 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
echo "$hosts simulated hosts, $rate (burst $burst); latentdiff-mpi $*"
ip netns exec ldsim1 unshare --uts sh -c 'hostname ldsim1; exec "$@"' sh \
    mpirun -np "$hosts" --hostfile "$work/hostfile" --map-by node --bind-to none \
    --mca plm_rsh_agent "$work/launch" --mca btl tcp,self \
    --mca btl_tcp_if_include 10.77.0.0/24 --mca oob_tcp_if_include 10.77.0.0/24 \
    "$bin" "$@"
