//! Writes a synthetic capture for benchmarks and prints what is in it.
//!
//! ```text
//! cargo run --release -p flowhound-synth --example generate_capture -- \
//!     OUT.pcap SIZE [SEED] [HOSTS] [--snaplen N] [--concurrent-flows N | --duration-s S |
//!     --sessions-per-s R] [--warmup-s S] [--external-hosts N] [--bot-scale X] [--no-bots]
//! ```
//! SIZE takes K, M, G suffixes (powers of 1000): `1G` is 10^9 bytes. `--bot-scale X`
//! multiplies the weights of the bot behaviours (X = 0 is the same as `--no-bots`).
//! The snap length is 96 bytes unless `--snaplen` says otherwise.
//!
//! Benchmark inputs (defaults: 500 hosts, about 2,800 concurrently active flows, 5 of the
//! hosts infected), measured on the project's 2-vCPU machine:
//!
//! | command | packets | capture time | flows | wall time |
//! |---|---|---|---|---|
//! | `bench-1g.pcap 1G 1 500 --snaplen 96` | 10.1 M | 30 min | 114 k | 3.7 s |
//! | `bench-4g.pcap 4G 1 500 --snaplen 96` | 40.2 M | 1 h 58 min | 461 k | 14 s |
//! | `bench-4g-full.pcap 4G 1 500 --snaplen 65535` | 4.2 M | 12.7 min | 43 k | 7.9 s |
//!
//! The 4 GB capture at snap length 96 is the size of CTU-13 scenario 6 rebuilt as a capture
//! (38.8 M packets, 2 h 09 min, 559 k flows, about 4.3 GB at 96 bytes). The same seed with a
//! larger size gives a capture that starts with the smaller one.

use std::fs::File;
use std::process::ExitCode;
use std::time::Instant;

use flowhound_synth::generator::{generate, Behaviour, GeneratorOptions, Pacing};

fn parse_size(text: &str) -> Option<u64> {
    let (digits, scale) = match text.chars().last()? {
        'k' | 'K' => (&text[..text.len() - 1], 1e3),
        'm' | 'M' => (&text[..text.len() - 1], 1e6),
        'g' | 'G' => (&text[..text.len() - 1], 1e9),
        _ => (text, 1.0),
    };
    let value: f64 = digits.parse().ok()?;
    (value > 0.0).then_some((value * scale) as u64)
}

fn usage() -> ExitCode {
    eprintln!(
        "usage: generate_capture OUT.pcap SIZE [SEED] [HOSTS] [--snaplen N] \
         [--concurrent-flows N | --duration-s S | --sessions-per-s R] [--warmup-s S] \
         [--external-hosts N] [--bot-scale X] [--no-bots]"
    );
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut positional = Vec::new();
    let mut options = GeneratorOptions::default();
    let mut index = 0;
    while index < args.len() {
        let arg = &args[index];
        if let Some(flag) = arg.strip_prefix("--") {
            if flag == "no-bots" {
                options.mix = options.mix.without_bots();
                index += 1;
                continue;
            }
            let Some(value) = args.get(index + 1) else { return usage() };
            let Ok(number) = value.parse::<f64>() else { return usage() };
            match flag {
                "snaplen" => options.snaplen = number as u32,
                "concurrent-flows" => options.pacing = Pacing::ConcurrentFlows(number),
                "duration-s" => options.pacing = Pacing::DurationS(number),
                "sessions-per-s" => options.pacing = Pacing::SessionsPerS(number),
                "warmup-s" => options.warmup_s = number,
                "external-hosts" => options.external_hosts = number as u32,
                "bot-scale" => {
                    for behaviour in Behaviour::ALL.into_iter().filter(|b| b.is_bot()) {
                        options.mix = options.mix.with(behaviour, options.mix.weight(behaviour) * number);
                    }
                }
                _ => return usage(),
            }
            index += 2;
        } else {
            positional.push(arg.clone());
            index += 1;
        }
    }
    let [path, size, rest @ ..] = positional.as_slice() else { return usage() };
    let Some(target_bytes) = parse_size(size) else { return usage() };
    options.target_bytes = Some(target_bytes);
    if let Some(seed) = rest.first() {
        let Ok(seed) = seed.parse() else { return usage() };
        options.seed = seed;
    }
    if let Some(hosts) = rest.get(1) {
        let Ok(hosts) = hosts.parse() else { return usage() };
        options.hosts = hosts;
    }

    let file = match File::create(path) {
        Ok(file) => file,
        Err(err) => {
            eprintln!("cannot create {path}: {err}");
            return ExitCode::FAILURE;
        }
    };
    let started = Instant::now();
    let summary = match generate(&options, file) {
        Ok(summary) => summary,
        Err(err) => {
            eprintln!("{}", err.in_file(path));
            return ExitCode::FAILURE;
        }
    };
    let elapsed_s = started.elapsed().as_secs_f64();
    let duration_s = (summary.last_us - summary.first_us) as f64 / 1e6;

    println!("wrote {path}");
    println!("  bytes written       {}", summary.bytes_written);
    println!("  packets             {}", summary.packets);
    println!("  flows               {}", summary.flows);
    println!("  capture time        {:.1} s ({} .. {} µs)", duration_s, summary.first_us, summary.last_us);
    println!("  mean packet (wire)  {:.1} bytes", summary.wire_bytes as f64 / summary.packets.max(1) as f64);
    println!("  session rate        {:.1} /s", summary.sessions_per_s);
    println!("  active flows        mean {:.0}, peak {}", summary.mean_active_flows, summary.peak_active_flows);
    let infected: Vec<String> = summary.infected_hosts.iter().map(|a| a.to_string()).collect();
    println!("  infected hosts      {}", infected.join(" "));
    println!("  {:<14} {:>10} {:>12} {:>14}", "behaviour", "flows", "packets", "wire bytes");
    for behaviour in Behaviour::ALL {
        let totals = summary.per_behaviour[behaviour];
        println!("  {:<14} {:>10} {:>12} {:>14}", behaviour.name(), totals.flows, totals.packets, totals.wire_bytes);
    }
    println!(
        "  generated in {:.2} s: {:.2} M packets/s, {:.0} MB/s",
        elapsed_s,
        summary.packets as f64 / elapsed_s / 1e6,
        summary.bytes_written as f64 / elapsed_s / 1e6
    );
    ExitCode::SUCCESS
}
