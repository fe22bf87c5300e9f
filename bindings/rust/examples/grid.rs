//! Loads a model (default: the shipped models/mnist.safetensors) and writes a PNG grid of
//! generated images: one row per class for a class-conditional model.
//!
//!     cargo run --release --example grid -- [MODEL] [OUT.png] [PER_ROW] [GUIDANCE]
use std::env;
use std::ops::ControlFlow;
use std::process::exit;
use std::time::Instant;

use latentdiff::{Model, SampleParams};

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = env::args().skip(1).collect();
    let shipped = concat!(env!("CARGO_MANIFEST_DIR"), "/../../models/mnist.safetensors").to_string();
    let path = args.get(0).cloned().unwrap_or(shipped);
    let out = args.get(1).cloned().unwrap_or_else(|| "grid.png".to_string());
    let per_row: usize = args.get(2).map(|s| s.parse()).transpose()?.unwrap_or(10);
    let guidance: f32 = args.get(3).map(|s| s.parse()).transpose()?.unwrap_or(2.0);

    println!("LatentDiff {}", latentdiff::version());
    let model = Model::load(&path)?;
    let info = model.info();
    println!(
        "{path}: {} codec, {}x{}x{} images, latent {:?}, {} classes",
        info.codec_kind, info.image_width, info.image_height, info.image_channels, info.latent_shape, info.class_count
    );
    let rows = info.class_count.max(1);
    let labels: Vec<i32> = (0..rows).flat_map(|class| std::iter::repeat(class as i32).take(per_row)).collect();
    let conditional = info.class_count > 0;
    let params = SampleParams {
        seed: 42,
        guidance: if conditional { guidance } else { 1.0 },
        labels: if conditional { Some(&labels) } else { None },
        ..SampleParams::default()
    };
    let started = Instant::now();
    let mut progress = |step: i32, total: i32| {
        if step % 5 == 0 || step == total {
            eprintln!("step {step}/{total}");
        }
        ControlFlow::Continue(())
    };
    let pixels = model.generate_with_progress(labels.len(), &params, Some(&mut progress))?;
    latentdiff::write_grid_png(&out, &pixels, labels.len(), info.image_width, info.image_height, info.image_channels, per_row)?;
    println!("wrote {out}: {} images in {:.2} s", labels.len(), started.elapsed().as_secs_f64());
    Ok(())
}

fn main() {
    if let Err(error) = run() {
        eprintln!("error: {error}");
        exit(1);
    }
}
