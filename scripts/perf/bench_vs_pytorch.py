"""prefopt against PyTorch eager, interleaved on the same cores: runs torch_dpo_step.py,
torch_generate.py (and llamacpp_generate.py with --llamacpp) and `prefopt bench --json` on the same
shapes, alternating which goes first in each round, and prints the medians over rounds and their
ratios as a Markdown table (raw results as JSON lines with --raw).

Run through scripts/bench-vs-pytorch, which installs torch and builds prefopt. Ratios are
PyTorch time / prefopt time for steps (above 1: prefopt is faster) and prefopt tokens/s / PyTorch
tokens/s for generation (above 1: prefopt is faster).
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
# The shapes: (pairs, seq) of a DPO step per size.
STEP_SHAPES = {"tiny": (8, 128), "smollm2": (4, 128)}
GEN_BATCHES = (1, 8)
PROMPT, NEW = 64, 64


def run(cmd, env=None):
    """Runs `cmd`, returns (stdout, seconds); raises with the end of stderr when it fails."""
    started = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return proc.stdout, elapsed


def timed_rss(cmd):
    """Runs `cmd` under /usr/bin/time, returning (stdout, max RSS bytes or None)."""
    if not os.path.exists("/usr/bin/time"):
        return run(cmd)[0], None
    proc = subprocess.run(["/usr/bin/time", "-f", "MAXRSS_KB=%M"] + cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    match = re.search(r"MAXRSS_KB=(\d+)", proc.stderr)
    return proc.stdout, int(match.group(1)) * 1024 if match else None


def field(text, name):
    match = re.search(rf"{name}=([0-9.]+)", text)
    if not match:
        raise RuntimeError(f"no {name}= in: {text}")
    return float(match.group(1))


def torch_step(python, size, steps, pairs, seq):
    out, rss = timed_rss([python, os.path.join(HERE, "torch_dpo_step.py"), size, str(steps), str(pairs), str(seq)])
    return {"median_step_s": field(out, "median_step_s"), "peak_rss_bytes": rss, "line": out.strip()}


def torch_generate(python, size, batch):
    out, _ = run([python, os.path.join(HERE, "torch_generate.py"), size, str(batch), str(PROMPT), str(NEW)])
    return {"generate_tokens_per_s": field(out, "generate_tokens_per_s"), "line": out.strip()}


def prefopt_bench(binary, size, steps, pairs, seq, device, extra):
    cmd = [binary, "bench", "--model", size, "--pairs", str(pairs), "--seq", str(seq), "--steps", str(steps),
           "--warmup", "1", "--device", device, "--json", "--generate-prompt", str(PROMPT),
           "--generate-new", str(NEW)] + extra
    out, _ = run(cmd, env=dict(os.environ, RUST_LOG="warn"))
    return json.loads(out.strip().splitlines()[-1])


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def spread(values):
    values = [v for v in values if v is not None]
    return f"{min(values):.3g}–{max(values):.3g}" if len(values) > 1 else "-"


def load():
    try:
        return os.getloadavg()[0]
    except OSError:
        return None


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("size", nargs="?", default="all", choices=["tiny", "smollm2", "all"])
    parser.add_argument("--prefopt", required=True, help="the prefopt binary")
    parser.add_argument("--cache-dir", required=True, help="the asset cache (GGUF for llama.cpp)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (medians over rounds)")
    parser.add_argument("--steps", type=int, default=None, help="timed steps per run (default: 6 tiny, 4 smollm2)")
    parser.add_argument("--devices", default="flex", help="prefopt devices, comma-separated (e.g. flex,tch-cpu)")
    parser.add_argument("--no-generate", action="store_true", help="skip the generation timings")
    parser.add_argument("--no-memory", action="store_true", help="skip the LoRA + cache memory run")
    parser.add_argument("--llamacpp", action="store_true", help="also llama.cpp on the SmolLM2 GGUF")
    parser.add_argument("--prefix-sharing", action="store_true",
                        help="also time prefopt's step with each prompt computed for both completions (--no-shared-prefix)")
    parser.add_argument("--raw", help="append every measurement to this JSON-lines file")
    args = parser.parse_args()
    python = sys.executable
    sizes = ["tiny", "smollm2"] if args.size == "all" else [args.size]
    devices = args.devices.split(",")
    raw = open(args.raw, "a") if args.raw else None
    results = {}

    def record(key, value):
        results.setdefault(key, []).append(value)
        if raw:
            raw.write(json.dumps({"key": key, "load": load(), "value": value}) + "\n")
            raw.flush()

    import torch  # only for the version and thread count in the header

    print(f"# torch {torch.__version__}, {torch.get_num_threads()} threads; prefopt {args.prefopt}; "
          f"load at start {load()}", file=sys.stderr)
    for size in sizes:
        pairs, seq = STEP_SHAPES[size]
        steps = args.steps or (6 if size == "tiny" else 4)
        for round_ in range(args.rounds):
            jobs = [("torch", lambda: record((size, "torch"), torch_step(python, size, steps, pairs, seq)))]
            for device in devices:
                gen = [] if args.no_generate else ["--generate-batches", ",".join(map(str, GEN_BATCHES))]
                jobs.append((device, lambda d=device, g=gen: record(
                    (size, d), prefopt_bench(args.prefopt, size, steps, pairs, seq, d, g))))
                jobs.append((device + " cache", lambda d=device: record(
                    (size, d, "cache"), prefopt_bench(args.prefopt, size, steps, pairs, seq, d, ["--cache", "--no-generate"]))))
                if args.prefix_sharing:
                    jobs.append((device + " concatenated", lambda d=device: record(
                        (size, d, "concatenated"),
                        prefopt_bench(args.prefopt, size, steps, pairs, seq, d, ["--no-shared-prefix", "--no-generate"]))))
            if not args.no_generate:
                for batch in GEN_BATCHES:
                    jobs.append((f"torch generate {batch}", lambda b=batch: record(
                        (size, "torch generate", b), torch_generate(python, size, b))))
            if round_ % 2 == 1:
                jobs.reverse()
            for name, job in jobs:
                print(f"[{size} round {round_ + 1}/{args.rounds}] {name} (load {load():.2f})", file=sys.stderr)
                job()
        if not args.no_memory:
            for device in devices:
                record((size, device, "lora+cache"), prefopt_bench(
                    args.prefopt, size, 2, pairs, seq, device, ["--cache", "--lora", "8", "--no-generate"]))
                record((size, device, "lora+cache+checkpointing"), prefopt_bench(
                    args.prefopt, size, 2, pairs, seq, device,
                    ["--cache", "--lora", "8", "--gradient-checkpointing", "--no-generate"]))
    llama = None
    if args.llamacpp:
        gguf = os.path.join(args.cache_dir, "smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf")
        out, _ = run([python, os.path.join(HERE, "llamacpp_generate.py"), gguf, str(NEW), str(os.cpu_count())])
        llama = field(out, "generate_tokens_per_s")
    print_table(results, sizes, devices, args.no_generate, llama)


def print_table(results, sizes, devices, no_generate, llama):
    def get(key, name):
        return [r[name] for r in results.get(key, [])]

    print("| size | measure | PyTorch eager | prefopt | ratio (>1: prefopt faster) | spread over rounds |")
    print("|---|---|---|---|---|---|")
    for size in sizes:
        pairs, seq = STEP_SHAPES[size]
        torch_s = median(get((size, "torch"), "median_step_s"))
        for device in devices:
            ours = get((size, device), "median_step_s")
            cached = get((size, device, "cache"), "median_step_s")
            if ours and torch_s:
                print(f"| {size} | DPO step {pairs}x{seq}, {device}, frozen reference | {torch_s:.3f} s | "
                      f"{median(ours):.3f} s | {torch_s / median(ours):.2f}x | torch {spread(get((size, 'torch'), 'median_step_s'))}, prefopt {spread(ours)} |")
            if cached and torch_s:
                print(f"| {size} | DPO step {pairs}x{seq}, {device}, reference cache | {torch_s:.3f} s | "
                      f"{median(cached):.3f} s | {torch_s / median(cached):.2f}x | prefopt {spread(cached)} |")
            concatenated = get((size, device, "concatenated"), "median_step_s")
            if ours and concatenated:
                print(f"| {size} | DPO step, {device}: prompt shared by both completions / computed for each | | "
                      f"{median(ours):.3f} / {median(concatenated):.3f} s | {median(ours) / median(concatenated):.2f} of the time | "
                      f"concatenated {spread(concatenated)} |")
            if ours and cached:
                saving = 1 - median(cached) / median(ours)
                print(f"| {size} | step time saved by the cache, {device} | | {saving * 100:.0f}% | "
                      f"target >= 30% | |")
            if not no_generate:
                for batch in GEN_BATCHES:
                    theirs = median(get((size, "torch generate", batch), "generate_tokens_per_s"))
                    mine = median([r.get(f"generate_tokens_per_s_batch_{batch}") for r in results.get((size, device), [])])
                    if theirs and mine:
                        print(f"| {size} | generate batch {batch}, {PROMPT}+{NEW} tokens, {device} | {theirs:.0f} tok/s | "
                              f"{mine:.0f} tok/s | {mine / theirs:.2f}x | |")
            full = median(get((size, device), "peak_rss_bytes"))
            lora = median(get((size, device, "lora+cache"), "peak_rss_bytes"))
            torch_rss = median(get((size, "torch"), "peak_rss_bytes"))
            if full and lora:
                print(f"| {size} | peak RSS: LoRA r8 + cache / full fine-tuning + frozen copy, {device} | "
                      f"{torch_rss / 2**20 if torch_rss else float('nan'):.0f} MiB (torch, full) | "
                      f"{lora / 2**20:.0f} / {full / 2**20:.0f} MiB | {lora / full:.2f} of full (target <= 0.5) | |")
            checkpointed = median(get((size, device, "lora+cache+checkpointing"), "peak_rss_bytes"))
            if full and checkpointed:
                print(f"| {size} | peak RSS: LoRA r8 + cache + gradient checkpointing / full fine-tuning + frozen copy, {device} | | "
                      f"{checkpointed / 2**20:.0f} / {full / 2**20:.0f} MiB | {checkpointed / full:.2f} of full (target <= 0.5) | |")
    if llama is not None:
        print(f"| smollm2 GGUF Q4_1 | llama.cpp generate batch 1 | | {llama:.0f} tok/s | | |")


if __name__ == "__main__":
    main()
