//! A safe Rust binding of LatentDiff's C interface (`include/latentdiff.h`, `libLatentDiff.so`).
//!
//! ```no_run
//! use latentdiff::{Model, SampleParams};
//! let model = Model::load("models/mnist.safetensors")?;
//! let labels = [7; 16];
//! let params = SampleParams { seed: 42, guidance: 2.0, labels: Some(&labels), ..SampleParams::default() };
//! let pixels = model.generate(16, &params)?;
//! let info = model.info();
//! latentdiff::write_grid_png("sevens.png", &pixels, 16, info.image_width, info.image_height, info.image_channels, 4)?;
//! # Ok::<(), latentdiff::Error>(())
//! ```
//!
//! Every fallible call returns [`Result`], whose [`Error`] carries the library's status and its
//! message (`ld_last_error()`). A [`Model`] is freed when dropped; it is `Send` and `Sync`, and
//! the borrow checker guarantees no call is in flight when it is dropped. Images are 8-bit,
//! `(N, H, W, C)` in one flat slice; latents `(N, latent_size)` floats.

use std::any::Any;
use std::ffi::{CStr, CString};
use std::fmt;
use std::ops::ControlFlow;
use std::os::raw::{c_char, c_void};
use std::os::unix::ffi::OsStrExt;
use std::panic::{self, AssertUnwindSafe};
use std::path::Path;
use std::ptr::{self, NonNull};

/// The C declarations of `latentdiff.h`, as they are.
#[allow(non_camel_case_types)]
pub mod ffi {
    use std::os::raw::{c_char, c_void};

    pub type ld_status = i32;

    #[repr(C)]
    pub struct ld_model {
        _private: [u8; 0],
    }

    #[repr(C)]
    pub struct ld_model_desc {
        pub struct_size: usize,
        pub image_width: i32,
        pub image_height: i32,
        pub image_channels: i32,
        pub latent_rank: i32,
        pub latent_shape: [i32; 4],
        pub latent_size: i32,
        pub class_count: i32,
        pub codec_kind: *const c_char,
        pub dataset: *const c_char,
        pub training_steps: i64,
        pub config_json: *const c_char,
        // 0.2.0
        pub timesteps: i32,
        pub image_bytes: i32,
        // appended after 0.2.0
        pub default_guidance: f32,
        pub default_steps: i32,
        pub default_sampler: i32,
        pub class_names: *const *const c_char,
        // appended with ld_sample_params' spacing and guidance refinements
        pub default_spacing: i32,
        pub default_guidance_interval_low: f32,
        pub default_guidance_interval_high: f32,
        pub default_guidance_rescale: f32,
        // appended with ld_sample_params' autoguidance
        pub default_autoguidance: f32,
        pub has_guide: i32,
    }

    pub type ld_progress_fn = Option<unsafe extern "C" fn(step: i32, total: i32, user_data: *mut c_void) -> i32>;

    #[repr(C)]
    pub struct ld_sample_params {
        pub struct_size: usize,
        pub sampler: i32,
        pub steps: i32,
        pub eta: f32,
        pub guidance: f32,
        pub seed: u64,
        pub labels: *const i32,
        pub threads: i32,
        pub progress: ld_progress_fn,
        pub user_data: *mut c_void,
        pub first_index: i64,
        pub init_noise: *const f32,
        pub init_image: *const u8,
        pub mask: *const u8,
        pub strength: f32,
        // appended after 0.2.0, after the editing fields
        pub padding: i32,
        pub spacing: i32,
        pub guidance_interval_low: f32,
        pub guidance_interval_high: f32,
        pub guidance_rescale: f32,
        // appended after the guidance refinements
        pub autoguidance: f32,
        pub padding2: i32,
    }

    #[repr(C)]
    pub struct ld_codec_params {
        pub struct_size: usize,
        pub threads: i32,
        pub progress: ld_progress_fn,
        pub user_data: *mut c_void,
    }

    /// The header's LD_ABI_VERSION: the ABI these declarations describe.
    pub const LD_ABI_VERSION: i32 = 1;

    // The header's static inline wrappers (ld_model_info, ld_sample_params_init,
    // ld_sample_params_init_for_model, ld_codec_params_init) are not symbols of the library: call
    // the *_sized functions with size_of the struct, as the wrappers do.
    extern "C" {
        pub fn ld_version() -> *const c_char;
        pub fn ld_abi_version() -> i32;
        pub fn ld_sampler_name(sampler: i32) -> *const c_char;
        pub fn ld_sampler_from_name(name: *const c_char, out_sampler: *mut i32) -> ld_status;
        pub fn ld_spacing_name(spacing: i32) -> *const c_char;
        pub fn ld_spacing_from_name(name: *const c_char, out_spacing: *mut i32) -> ld_status;
        pub fn ld_set_max_threads(max_threads: i32) -> ld_status;
        pub fn ld_max_threads() -> i32;
        pub fn ld_model_load_from_memory(data: *const c_void, size: usize, out_model: *mut *mut ld_model) -> ld_status;
        pub fn ld_status_string(status: ld_status) -> *const c_char;
        pub fn ld_last_error() -> *const c_char;
        pub fn ld_write_png(path: *const c_char, pixels: *const u8, width: i32, height: i32, channels: i32) -> ld_status;
        pub fn ld_read_png(
            path: *const c_char,
            channels: i32,
            out_pixels: *mut *mut u8,
            out_width: *mut i32,
            out_height: *mut i32,
            out_channels: *mut i32,
        ) -> ld_status;
        pub fn ld_free_pixels(pixels: *mut u8);
        pub fn ld_free_buffer(buffer: *mut c_void);
        pub fn ld_write_grid_png(
            path: *const c_char,
            pixels: *const u8,
            count: i32,
            width: i32,
            height: i32,
            channels: i32,
            columns: i32,
        ) -> ld_status;
        pub fn ld_encode_png(
            pixels: *const u8,
            width: i32,
            height: i32,
            channels: i32,
            text_keys: *const *const c_char,
            text_values: *const *const c_char,
            text_count: i32,
            out_png: *mut *mut u8,
            out_png_size: *mut usize,
        ) -> ld_status;
        pub fn ld_dataset_check(directory: *const c_char, kind: *const c_char, split: i32, out_count: *mut i64) -> ld_status;
        pub fn ld_model_load(path: *const c_char, out_model: *mut *mut ld_model) -> ld_status;
        pub fn ld_model_free(model: *mut ld_model);
        pub fn ld_model_info_sized(model: *const ld_model, out_desc: *mut ld_model_desc, desc_size: usize) -> ld_status;
        pub fn ld_sample_params_init_sized(params: *mut ld_sample_params, params_size: usize) -> ld_status;
        pub fn ld_sample_params_init_for_model_sized(
            model: *const ld_model,
            params: *mut ld_sample_params,
            params_size: usize,
        ) -> ld_status;
        pub fn ld_sample_params_json(
            model: *const ld_model,
            params: *const ld_sample_params,
            count: i32,
            out_json: *mut *mut c_char,
        ) -> ld_status;
        pub fn ld_sample_noise(
            model: *const ld_model,
            seed: u64,
            first_index: i64,
            count: i32,
            out: *mut f32,
            out_size: usize,
        ) -> ld_status;
        pub fn ld_codec_params_init_sized(params: *mut ld_codec_params, params_size: usize) -> ld_status;
        pub fn ld_sample_latents(
            model: *const ld_model,
            params: *const ld_sample_params,
            count: i32,
            out_latents: *mut f32,
            out_size: usize,
        ) -> ld_status;
        pub fn ld_decode(
            model: *const ld_model,
            params: *const ld_codec_params,
            latents: *const f32,
            count: i32,
            out_pixels: *mut u8,
            out_size: usize,
        ) -> ld_status;
        pub fn ld_encode(
            model: *const ld_model,
            params: *const ld_codec_params,
            pixels: *const u8,
            count: i32,
            out_latents: *mut f32,
            out_size: usize,
        ) -> ld_status;
        pub fn ld_generate(
            model: *const ld_model,
            params: *const ld_sample_params,
            count: i32,
            out_pixels: *mut u8,
            out_size: usize,
        ) -> ld_status;
    }
}

/// The most images or latents one call takes (the library's limit).
pub const MAX_COUNT: usize = 65536;

// ---- Errors ----------------------------------------------------------------------------------

/// The `LD_ERR_*` status of a failed call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// A size, count or parameter out of range, a bad label.
    InvalidArgument,
    /// A file could not be opened, read, written or renamed.
    Io,
    /// A file is not what it claims: not a PNG, a damaged model ...
    Format,
    /// An allocation failed or would exceed the library's limits.
    OutOfMemory,
    /// Valid input the library does not handle.
    Unsupported,
    /// The progress callback cancelled the call.
    Cancelled,
    /// A bug in LatentDiff: please report it with the message.
    Internal,
    /// A computation produced NaN or infinity.
    Numeric,
    /// A code this binding does not know (from a newer library).
    Unknown(i32),
}

impl Status {
    fn from_code(code: i32) -> Status {
        match code {
            -1 => Status::InvalidArgument,
            -2 => Status::Io,
            -3 => Status::Format,
            -4 => Status::OutOfMemory,
            -5 => Status::Unsupported,
            -6 => Status::Cancelled,
            -7 => Status::Internal,
            -8 => Status::Numeric,
            other => Status::Unknown(other),
        }
    }

    /// The `ld_status` value.
    pub fn code(self) -> i32 {
        match self {
            Status::InvalidArgument => -1,
            Status::Io => -2,
            Status::Format => -3,
            Status::OutOfMemory => -4,
            Status::Unsupported => -5,
            Status::Cancelled => -6,
            Status::Internal => -7,
            Status::Numeric => -8,
            Status::Unknown(code) => code,
        }
    }

    /// The library's name for it: "LD_ERR_IO", ...
    pub fn name(self) -> String {
        unsafe { string(ffi::ld_status_string(self.code())) }
    }
}

/// A failed call: its status and the library's reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    status: Status,
    message: String,
}

impl Error {
    fn new(status: Status, message: impl Into<String>) -> Error {
        Error { status, message: message.into() }
    }

    fn invalid(message: impl Into<String>) -> Error {
        Error::new(Status::InvalidArgument, message)
    }

    pub fn status(&self) -> Status {
        self.status
    }

    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.status.name(), self.message)
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;

unsafe fn string(text: *const c_char) -> String {
    if text.is_null() {
        String::new()
    } else {
        CStr::from_ptr(text).to_string_lossy().into_owned()
    }
}

fn check(status: ffi::ld_status) -> Result<()> {
    if status == 0 {
        Ok(())
    } else {
        Err(Error::new(Status::from_code(status), unsafe { string(ffi::ld_last_error()) }))
    }
}

fn c_path(path: &Path) -> Result<CString> {
    CString::new(path.as_os_str().as_bytes())
        .map_err(|_| Error::invalid(format!("the path {} contains a NUL byte", path.display())))
}

fn c_count(count: usize) -> Result<i32> {
    if (1..=MAX_COUNT).contains(&count) {
        Ok(count as i32)
    } else {
        Err(Error::invalid(format!("count must be in 1...{MAX_COUNT}, not {count}")))
    }
}

fn c_size(value: usize, what: &str) -> Result<i32> {
    i32::try_from(value).map_err(|_| Error::invalid(format!("{what} {value} is too large")))
}

/// A buffer the library allocated for the caller (`ld_encode_png`, `ld_sample_params_json`):
/// freed with `ld_free_buffer` when dropped, so on every path out of the call that received it.
struct Buffer(*mut c_void);

impl Buffer {
    /// Takes ownership of what a successful call wrote; a NULL there is a library bug.
    fn new<T>(pointer: *mut T, call: &str) -> Result<Buffer> {
        if pointer.is_null() {
            Err(Error::new(Status::Internal, format!("{call} returned LD_OK and no buffer")))
        } else {
            Ok(Buffer(pointer as *mut c_void))
        }
    }
}

impl Drop for Buffer {
    fn drop(&mut self) {
        unsafe { ffi::ld_free_buffer(self.0) }
    }
}

/// The library's version, "MAJOR.MINOR.PATCH".
pub fn version() -> String {
    unsafe { string(ffi::ld_version()) }
}

// ---- Models ----------------------------------------------------------------------------------

/// What a model makes and how it is built (`ld_model_desc`).
#[derive(Clone, Debug, PartialEq)]
pub struct ModelInfo {
    pub image_width: usize,
    pub image_height: usize,
    /// 1 (gray) or 3 (RGB).
    pub image_channels: usize,
    /// One latent's shape: `[n]` or `[c, h, w]`.
    pub latent_shape: Vec<usize>,
    /// Floats in one latent.
    pub latent_size: usize,
    /// Classes for conditional sampling; 0 for an unconditional model.
    pub class_count: usize,
    /// "identity", "pca", "vae-mlp" or "vae-cnn".
    pub codec_kind: String,
    /// The data set's name, free text: "mnist", "cifar10", "folder", ...
    pub dataset: String,
    pub training_steps: i64,
    /// The full configuration (JSON).
    pub config_json: String,
    /// T of the noise schedule: steps are 1..T.
    pub timesteps: usize,
    /// The guidance, steps and sampler the model recommends (`Model::recommended_params`).
    pub default_guidance: f32,
    pub default_steps: i32,
    pub default_sampler: Sampler,
    /// The name of each class label (empty for an unconditional model).
    pub class_names: Vec<String>,
    /// Whether the file holds a guide denoiser (`latentdiff attach-guide`), which a nonzero
    /// [`SampleParams::autoguidance`] needs.
    pub has_guide: bool,
    /// The autoguidance weight the file stores (0 = off; always 0 without a guide), which
    /// [`Model::recommended_params`] carries.
    pub default_autoguidance: f32,
}

impl ModelInfo {
    /// Bytes of one image (height * width * channels).
    pub fn image_bytes(&self) -> usize {
        self.image_width * self.image_height * self.image_channels
    }
}

/// Denoising samplers (`LD_SAMPLER_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sampler {
    /// DPM-Solver++(2M), good at 10-25 steps (the default).
    DpmSolver,
    /// DDIM, with stochasticity `eta`.
    Ddim,
    /// Ancestral DDPM on a respaced schedule.
    Ddpm,
    /// Euler on the probability-flow ODE, Karras et al.'s step spacing.
    Euler,
    /// Euler with fresh noise each step, Karras spacing.
    EulerAncestral,
    /// Heun's second-order method, Karras spacing (two model calls a step).
    Heun,
    /// DPM-Solver++(3M), third-order multistep: pays from about 15 steps.
    DpmSolver3M,
}

impl Sampler {
    /// Every sampler, in the order of their `LD_SAMPLER_*` values.
    pub const ALL: [Sampler; 7] = [
        Sampler::DpmSolver,
        Sampler::Ddim,
        Sampler::Ddpm,
        Sampler::Euler,
        Sampler::EulerAncestral,
        Sampler::Heun,
        Sampler::DpmSolver3M,
    ];

    /// The header's `LD_SAMPLER_*` value.
    pub fn code(self) -> i32 {
        code_of(&Sampler::ALL, self)
    }

    /// The sampler of an `LD_SAMPLER_*` value (DPM-Solver++ for unknown ones).
    pub fn from_code(code: i32) -> Sampler {
        of_code(&Sampler::ALL, code, Sampler::DpmSolver)
    }

    /// The library's name for the sampler (`ld_sampler_name`): "dpm++", "ddim", "ddpm", "euler",
    /// "euler-a", "heun" or "dpm++3m", as the command line spells them.
    pub fn name(self) -> String {
        unsafe { string(ffi::ld_sampler_name(self.code())) }
    }

    /// The sampler of a name (`ld_sampler_from_name`); an unknown name is
    /// [`Status::InvalidArgument`] with the known names in the message.
    pub fn from_name(name: &str) -> Result<Sampler> {
        Ok(Sampler::from_code(code_named(ffi::ld_sampler_from_name, name, "sampler")?))
    }
}

/// How the sampling steps' timesteps are spread (`LD_SPACING_*`, docs/samplers.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Spacing {
    /// The sampler's own: log-SNR for the DPM-Solvers, uniform for DDIM and DDPM, Karras for
    /// Euler, Euler ancestral and Heun (the default).
    Default,
    /// Evenly in t from T - 1 to 0.
    Uniform,
    /// Evenly in t from T - 1 down by T / n (Lin et al. 2024).
    Trailing,
    /// Evenly in log-SNR log(alpha / sigma).
    LogSnr,
    /// Karras et al. (2022)'s noise levels, rho = 7: dense near the data.
    Karras,
}

impl Spacing {
    /// Every spacing, in the order of their `LD_SPACING_*` values.
    pub const ALL: [Spacing; 5] = [Spacing::Default, Spacing::Uniform, Spacing::Trailing, Spacing::LogSnr, Spacing::Karras];

    /// The header's `LD_SPACING_*` value.
    pub fn code(self) -> i32 {
        code_of(&Spacing::ALL, self)
    }

    /// The spacing of an `LD_SPACING_*` value (the default for unknown ones).
    pub fn from_code(code: i32) -> Spacing {
        of_code(&Spacing::ALL, code, Spacing::Default)
    }

    /// The library's name for the spacing (`ld_spacing_name`): "default", "uniform", "trailing",
    /// "logsnr" or "karras", as the command line's `--spacing` spells them.
    pub fn name(self) -> String {
        unsafe { string(ffi::ld_spacing_name(self.code())) }
    }

    /// The spacing of a name (`ld_spacing_from_name`); an unknown name is
    /// [`Status::InvalidArgument`] with the known names in the message.
    pub fn from_name(name: &str) -> Result<Spacing> {
        Ok(Spacing::from_code(code_named(ffi::ld_spacing_from_name, name, "spacing")?))
    }
}

/// The header's value of `value`: its index in `all` (the enum's values in order).
fn code_of<T: PartialEq>(all: &[T], value: T) -> i32 {
    all.iter().position(|v| *v == value).unwrap_or(0) as i32
}

/// The entry of `all` at the header's value `code`, or `fallback` for one past it.
fn of_code<T: Copy>(all: &[T], code: i32, fallback: T) -> T {
    usize::try_from(code).ok().and_then(|i| all.get(i).copied()).unwrap_or(fallback)
}

/// The value `from_name` (`ld_sampler_from_name`, `ld_spacing_from_name`) gives `name`.
fn code_named(
    from_name: unsafe extern "C" fn(*const c_char, *mut i32) -> ffi::ld_status,
    name: &str,
    what: &str,
) -> Result<i32> {
    let name = CString::new(name).map_err(|_| Error::invalid(format!("a {what} name holds a NUL byte")))?;
    let mut code = 0i32;
    check(unsafe { from_name(name.as_ptr(), &mut code) })?;
    Ok(code)
}

/// The ABI generation of the loaded library (`ld_abi_version`); this crate speaks
/// [`ffi::LD_ABI_VERSION`].
pub fn abi_version() -> i32 {
    unsafe { ffi::ld_abi_version() }
}

/// Caps the threads of every call in the process (`ld_set_max_threads`): 1..1024, or 0 for one
/// per core (the default). A call's `threads` (0 = the cap) is then at most the cap.
pub fn set_max_threads(count: i32) -> Result<()> {
    check(unsafe { ffi::ld_set_max_threads(count) })
}

/// The cap in force (`ld_max_threads`), at least 1.
pub fn max_threads() -> i32 {
    unsafe { ffi::ld_max_threads() }
}

/// Threads for [`Model::decode_with`] and [`Model::encode_with`] (`ld_codec_params`).
#[derive(Clone, Copy, Debug, Default)]
pub struct CodecParams {
    /// Threads for this call; 0 = the cap of [`set_max_threads`].
    pub threads: i32,
}

/// The parameters of a sampling call (`ld_sample_params`). `Default` gives the library's defaults
/// (DPM-Solver++ with its own spacing, 20 steps, guidance 1 at every step without rescale or
/// autoguidance, seed 0, unconditional, one thread per core).
#[derive(Clone, Debug)]
pub struct SampleParams<'a> {
    pub sampler: Sampler,
    /// Denoising steps, 1..T.
    pub steps: i32,
    /// DDIM stochasticity in [0, 1].
    pub eta: f32,
    /// Classifier-free guidance scale in [0, 100]; 1 = conditional only.
    pub guidance: f32,
    /// Sample i's noise is keyed by (seed, first_index + i).
    pub seed: u64,
    /// One class label per sample (-1 = none), or None for unconditional sampling.
    pub labels: Option<&'a [i32]>,
    /// Threads for this call; 0 = the cap of [`set_max_threads`] (one per core by default).
    pub threads: i32,
    /// Index of the first sample (for splitting a run).
    pub first_index: i64,
    /// Each sample's x_T (`count * latent_size` floats in the sampler's standardized units, as
    /// [`Model::sample_noise`] returns), or None for the keyed noise.
    pub init_noise: Option<&'a [f32]>,
    /// Images to start from (`count * image_bytes`, each (H, W, C)), or None (docs/editing.md).
    pub init_image: Option<&'a [u8]>,
    /// With `init_image`, how much to redraw in [0, 1] (1 = from noise).
    pub strength: f32,
    /// With `init_image`, `count` masks of H * W bytes (255 = redraw, 0 = keep): inpainting.
    pub mask: Option<&'a [u8]>,
    /// How the steps are spread; [`Spacing::Default`] is the sampler's own.
    pub spacing: Spacing,
    /// Guide only the steps whose noise level sigma/alpha lies in `(low, high)`, inclusive
    /// (0 <= low <= high, finite), the conditional output alone elsewhere; None (or `(0, 0)`)
    /// guides every step.
    pub guidance_interval: Option<(f32, f32)>,
    /// phi in [0, 1]: each guided output g becomes phi g std(c) / std(g) + (1 - phi) g; 0 = off.
    pub guidance_rescale: f32,
    /// Autoguidance weight w in [0, 100] (Karras et al. 2024): every output o (guided or not)
    /// becomes o + w (c - a), a the output of the model file's guide denoiser for the same sample
    /// and label; 0 = off. Nonzero needs [`ModelInfo::has_guide`], else
    /// [`Status::InvalidArgument`].
    pub autoguidance: f32,
}

impl Default for SampleParams<'_> {
    fn default() -> Self {
        SampleParams::from_raw(&defaults())
    }
}

impl SampleParams<'_> {
    /// The scalar fields of C's struct, with no slices.
    fn from_raw(params: &ffi::ld_sample_params) -> Self {
        SampleParams {
            sampler: Sampler::from_code(params.sampler),
            steps: params.steps,
            eta: params.eta,
            guidance: params.guidance,
            seed: params.seed,
            labels: None,
            threads: params.threads,
            first_index: params.first_index,
            init_noise: None,
            init_image: None,
            strength: params.strength,
            mask: None,
            spacing: Spacing::from_code(params.spacing),
            guidance_interval: match (params.guidance_interval_low, params.guidance_interval_high) {
                (low, high) if low == 0.0 && high == 0.0 => None,
                band => Some(band),
            },
            guidance_rescale: params.guidance_rescale,
            autoguidance: params.autoguidance,
        }
    }
}

fn defaults() -> ffi::ld_sample_params {
    let mut params = ffi::ld_sample_params {
        struct_size: 0,
        sampler: 0,
        steps: 0,
        eta: 0.0,
        guidance: 0.0,
        seed: 0,
        labels: ptr::null(),
        threads: 0,
        progress: None,
        user_data: ptr::null_mut(),
        first_index: 0,
        init_noise: ptr::null(),
        init_image: ptr::null(),
        mask: ptr::null(),
        strength: 0.0,
        padding: 0,
        spacing: 0,
        guidance_interval_low: 0.0,
        guidance_interval_high: 0.0,
        guidance_rescale: 0.0,
        autoguidance: 0.0,
        padding2: 0,
    };
    unsafe { ffi::ld_sample_params_init_sized(&mut params, std::mem::size_of::<ffi::ld_sample_params>()) };
    params
}

/// A progress callback: called after every sampling step with (steps done, total);
/// `ControlFlow::Break(())` cancels the call, which then returns [`Status::Cancelled`].
pub type Progress<'a> = &'a mut dyn FnMut(i32, i32) -> ControlFlow<()>;

struct ProgressState<'a, 'b> {
    callback: &'a mut (dyn FnMut(i32, i32) -> ControlFlow<()> + 'b),
    panic: Option<Box<dyn Any + Send + 'static>>,
}

unsafe extern "C" fn trampoline(step: i32, total: i32, user_data: *mut c_void) -> i32 {
    let state = &mut *(user_data as *mut ProgressState);
    let callback = &mut state.callback;
    // A panic must not unwind through the library's frames: it cancels the call and is resumed
    // once the call has returned.
    match panic::catch_unwind(AssertUnwindSafe(|| callback(step, total))) {
        Ok(ControlFlow::Continue(())) => 0,
        Ok(ControlFlow::Break(())) => 1,
        Err(payload) => {
            state.panic = Some(payload);
            1
        }
    }
}

/// A loaded model file (`ld_model_load`), freed when dropped. Read-only: any number of threads
/// may sample from one model at once.
pub struct Model {
    raw: NonNull<ffi::ld_model>,
    info: ModelInfo,
}

// The library documents a loaded model as read-only and safe to use from any number of threads;
// only ld_model_free must not race with other calls, and Drop takes the model by value.
unsafe impl Send for Model {}
unsafe impl Sync for Model {}

impl Drop for Model {
    fn drop(&mut self) {
        unsafe { ffi::ld_model_free(self.raw.as_ptr()) }
    }
}

impl fmt::Debug for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Model").field("info", &self.info).finish()
    }
}

impl Model {
    /// Loads a model file.
    pub fn load<P: AsRef<Path>>(path: P) -> Result<Model> {
        let path = c_path(path.as_ref())?;
        let mut raw: *mut ffi::ld_model = ptr::null_mut();
        check(unsafe { ffi::ld_model_load(path.as_ptr(), &mut raw) })?;
        Model::open(raw)
    }

    /// Loads a model from a model file's bytes (`ld_model_load_from_memory`), with the same
    /// checks as a file. The model keeps its own copy: `data` may be dropped afterwards.
    pub fn from_bytes(data: &[u8]) -> Result<Model> {
        let mut raw: *mut ffi::ld_model = ptr::null_mut();
        check(unsafe { ffi::ld_model_load_from_memory(data.as_ptr() as *const c_void, data.len(), &mut raw) })?;
        Model::open(raw)
    }

    fn open(raw: *mut ffi::ld_model) -> Result<Model> {
        let raw = NonNull::new(raw).ok_or_else(|| Error::new(Status::Internal, "the library returned no model"))?;
        let mut desc = ffi::ld_model_desc {
            struct_size: 0,
            image_width: 0,
            image_height: 0,
            image_channels: 0,
            latent_rank: 0,
            latent_shape: [0; 4],
            latent_size: 0,
            class_count: 0,
            codec_kind: ptr::null(),
            dataset: ptr::null(),
            training_steps: 0,
            config_json: ptr::null(),
            timesteps: 0,
            image_bytes: 0,
            default_guidance: 0.0,
            default_steps: 0,
            default_sampler: 0,
            class_names: ptr::null(),
            default_spacing: 0,
            default_guidance_interval_low: 0.0,
            default_guidance_interval_high: 0.0,
            default_guidance_rescale: 0.0,
            default_autoguidance: 0.0,
            has_guide: 0,
        };
        let size = std::mem::size_of::<ffi::ld_model_desc>();
        if let Err(error) = check(unsafe { ffi::ld_model_info_sized(raw.as_ptr(), &mut desc, size) }) {
            unsafe { ffi::ld_model_free(raw.as_ptr()) };
            return Err(error);
        }
        let rank = desc.latent_rank.clamp(0, 4) as usize;
        let info = unsafe {
            ModelInfo {
                image_width: desc.image_width as usize,
                image_height: desc.image_height as usize,
                image_channels: desc.image_channels as usize,
                latent_shape: desc.latent_shape[..rank].iter().map(|&d| d as usize).collect(),
                latent_size: desc.latent_size as usize,
                class_count: desc.class_count as usize,
                codec_kind: string(desc.codec_kind),
                dataset: string(desc.dataset),
                training_steps: desc.training_steps,
                config_json: string(desc.config_json),
                timesteps: desc.timesteps.max(0) as usize,
                default_guidance: desc.default_guidance,
                default_steps: desc.default_steps,
                default_sampler: Sampler::from_code(desc.default_sampler),
                class_names: if desc.class_names.is_null() {
                    Vec::new()
                } else {
                    (0..desc.class_count.max(0) as usize).map(|i| string(*desc.class_names.add(i))).collect()
                },
                has_guide: desc.has_guide == 1,
                default_autoguidance: desc.default_autoguidance,
            }
        };
        Ok(Model { raw, info })
    }

    pub fn info(&self) -> &ModelInfo {
        &self.info
    }

    /// The default parameters with the model's recommended sampler, steps and guidance
    /// ([`ModelInfo::default_sampler`], `default_steps`, `default_guidance`) and the spacing,
    /// guidance interval, rescale and autoguidance weight its file stores with them
    /// ([`Spacing::Default`], none, 0 and 0 when none): what
    /// `ld_sample_params_init_for_model` gives C. Choosing another sampler, set `spacing` to
    /// [`Spacing::Default`] for that sampler's own.
    pub fn recommended_params(&self) -> SampleParams<'static> {
        let mut raw = defaults();
        let size = std::mem::size_of::<ffi::ld_sample_params>();
        // It fails only for a NULL model or a struct size the library refuses, neither possible
        // here; a failed call writes nothing, leaving the library's plain defaults.
        let status = unsafe { ffi::ld_sample_params_init_for_model_sized(self.raw.as_ptr(), &mut raw, size) };
        debug_assert_eq!(status, 0, "ld_sample_params_init_for_model_sized failed");
        SampleParams::from_raw(&raw)
    }

    /// The settings a [`Model::sample`] or [`Model::generate`] call with `count` and `params`
    /// would use, as one JSON object (`ld_sample_params_json`): library version, model, sampler,
    /// spacing, steps, eta, guidance, guidance interval and rescale, seed (its exact digits),
    /// first_index, count, labels and their class names, strength, which inputs were given and
    /// the autoguidance weight. Store it beside the images to
    /// reproduce them, e.g. as a PNG text chunk: `encode_png(.., &[("parameters", &json)])`.
    /// `params` is checked as sampling checks it: bad params or count are
    /// [`Status::InvalidArgument`] or [`Status::Unsupported`].
    pub fn settings_json(&self, count: usize, params: &SampleParams) -> Result<String> {
        let n = c_count(count)?;
        let raw = self.params(count, params)?;
        let mut json: *mut c_char = ptr::null_mut();
        check(unsafe { ffi::ld_sample_params_json(self.raw.as_ptr(), &raw, n, &mut json) })?;
        let _buffer = Buffer::new(json, "ld_sample_params_json")?;
        Ok(unsafe { string(json) })
    }

    fn params(&self, count: usize, params: &SampleParams) -> Result<ffi::ld_sample_params> {
        let mut raw = defaults();
        raw.sampler = params.sampler.code();
        raw.steps = params.steps;
        raw.eta = params.eta;
        raw.guidance = params.guidance;
        raw.seed = params.seed;
        raw.threads = params.threads;
        raw.first_index = params.first_index;
        if let Some(labels) = params.labels {
            if labels.len() != count {
                return Err(Error::invalid(format!("{} labels for {count} samples", labels.len())));
            }
            raw.labels = labels.as_ptr();
        }
        let info = &self.info;
        let plane = (info.image_width * info.image_height) as usize;
        let slices: [(&str, Option<usize>, usize); 3] = [
            ("init_noise", params.init_noise.map(|n| n.len()), info.latent_size),
            ("init_image", params.init_image.map(|i| i.len()), info.image_bytes()),
            ("mask", params.mask.map(|m| m.len()), plane),
        ];
        for (name, given, per_sample) in slices {
            if let Some(len) = given {
                if len != count * per_sample {
                    return Err(Error::invalid(format!("{name} holds {len} values, not {count} x {per_sample}")));
                }
            }
        }
        raw.init_noise = params.init_noise.map_or(ptr::null(), |n| n.as_ptr());
        raw.init_image = params.init_image.map_or(ptr::null(), |i| i.as_ptr());
        raw.mask = params.mask.map_or(ptr::null(), |m| m.as_ptr());
        raw.strength = params.strength;
        raw.spacing = params.spacing.code();
        let (low, high) = params.guidance_interval.unwrap_or((0.0, 0.0));
        raw.guidance_interval_low = low;
        raw.guidance_interval_high = high;
        raw.guidance_rescale = params.guidance_rescale;
        raw.autoguidance = params.autoguidance;
        Ok(raw)
    }

    /// The x_T sampling starts from for samples `first_index .. first_index + count` with `seed`
    /// (`ld_sample_noise`): `count * latent_size` floats in the sampler's standardized units.
    /// Passed back as [`SampleParams::init_noise`] it reproduces plain sampling bit for bit.
    pub fn sample_noise(&self, seed: u64, first_index: i64, count: usize) -> Result<Vec<f32>> {
        let n = c_count(count)?;
        let mut out = vec![0f32; n as usize * self.info.latent_size];
        let bytes = std::mem::size_of_val(&out[..]);
        check(unsafe { ffi::ld_sample_noise(self.raw.as_ptr(), seed, first_index, n, out.as_mut_ptr(), bytes) })?;
        Ok(out)
    }

    /// Runs a sampling call with an optional progress callback; a panic in the callback cancels
    /// the call and is resumed after it.
    fn run<T>(
        &self,
        count: usize,
        params: &SampleParams,
        progress: Option<Progress>,
        out: &mut [T],
        call: unsafe extern "C" fn(*const ffi::ld_model, *const ffi::ld_sample_params, i32, *mut T, usize) -> ffi::ld_status,
    ) -> Result<()> {
        let n = c_count(count)?;
        let mut raw = self.params(count, params)?;
        let bytes = std::mem::size_of_val(out);
        let status = match progress {
            None => unsafe { call(self.raw.as_ptr(), &raw, n, out.as_mut_ptr(), bytes) },
            Some(callback) => {
                let mut state = ProgressState { callback, panic: None };
                raw.progress = Some(trampoline);
                raw.user_data = &mut state as *mut ProgressState as *mut c_void;
                let status = unsafe { call(self.raw.as_ptr(), &raw, n, out.as_mut_ptr(), bytes) };
                if let Some(payload) = state.panic.take() {
                    panic::resume_unwind(payload);
                }
                status
            }
        };
        check(status)
    }

    /// Samples `count` latents (`count * latent_size` floats) in the model's latent units.
    pub fn sample(&self, count: usize, params: &SampleParams) -> Result<Vec<f32>> {
        self.sample_with_progress(count, params, None)
    }

    /// [`Model::sample`] with a progress callback.
    pub fn sample_with_progress(&self, count: usize, params: &SampleParams, progress: Option<Progress>) -> Result<Vec<f32>> {
        let mut out = vec![0f32; c_count(count)? as usize * self.info.latent_size];
        self.run(count, params, progress, &mut out, ffi::ld_sample_latents)?;
        Ok(out)
    }

    /// Generates `count` images (`count * image_bytes` bytes, each (H, W, C)).
    pub fn generate(&self, count: usize, params: &SampleParams) -> Result<Vec<u8>> {
        self.generate_with_progress(count, params, None)
    }

    /// [`Model::generate`] with a progress callback.
    pub fn generate_with_progress(&self, count: usize, params: &SampleParams, progress: Option<Progress>) -> Result<Vec<u8>> {
        let mut out = vec![0u8; c_count(count)? as usize * self.info.image_bytes()];
        self.run(count, params, progress, &mut out, ffi::ld_generate)?;
        Ok(out)
    }

    /// Decodes latents (a whole number of `latent_size` floats) into 8-bit images.
    pub fn decode(&self, latents: &[f32]) -> Result<Vec<u8>> {
        self.decode_with(latents, &CodecParams::default(), None)
    }

    /// [`Model::decode`] with a thread count and a progress callback (images done, total).
    pub fn decode_with(&self, latents: &[f32], params: &CodecParams, progress: Option<Progress>) -> Result<Vec<u8>> {
        let size = self.info.latent_size;
        if latents.is_empty() || latents.len() % size != 0 {
            return Err(Error::invalid(format!("{} floats are not a whole number of latents of {size}", latents.len())));
        }
        let count = c_count(latents.len() / size)?;
        let mut out = vec![0u8; count as usize * self.info.image_bytes()];
        let bytes = out.len();
        self.run_codec(params, progress, |raw, codec| unsafe {
            ffi::ld_decode(raw, codec, latents.as_ptr(), count, out.as_mut_ptr(), bytes)
        })?;
        Ok(out)
    }

    /// Encodes 8-bit images (a whole number of `image_bytes`) into latents.
    pub fn encode(&self, pixels: &[u8]) -> Result<Vec<f32>> {
        self.encode_with(pixels, &CodecParams::default(), None)
    }

    /// [`Model::encode`] with a thread count and a progress callback (images done, total).
    pub fn encode_with(&self, pixels: &[u8], params: &CodecParams, progress: Option<Progress>) -> Result<Vec<f32>> {
        let size = self.info.image_bytes();
        if pixels.is_empty() || pixels.len() % size != 0 {
            return Err(Error::invalid(format!("{} bytes are not a whole number of images of {size} bytes", pixels.len())));
        }
        let count = c_count(pixels.len() / size)?;
        let mut out = vec![0f32; count as usize * self.info.latent_size];
        let bytes = std::mem::size_of_val(&out[..]);
        self.run_codec(params, progress, |raw, codec| unsafe {
            ffi::ld_encode(raw, codec, pixels.as_ptr(), count, out.as_mut_ptr(), bytes)
        })?;
        Ok(out)
    }

    /// Runs a decode or encode call with its `ld_codec_params`; a panic in the progress callback
    /// cancels the call and is resumed after it.
    fn run_codec<F>(&self, params: &CodecParams, progress: Option<Progress>, call: F) -> Result<()>
    where
        F: FnOnce(*const ffi::ld_model, *const ffi::ld_codec_params) -> ffi::ld_status,
    {
        let mut raw = ffi::ld_codec_params { struct_size: 0, threads: 0, progress: None, user_data: ptr::null_mut() };
        check(unsafe { ffi::ld_codec_params_init_sized(&mut raw, std::mem::size_of::<ffi::ld_codec_params>()) })?;
        raw.threads = params.threads;
        let status = match progress {
            None => call(self.raw.as_ptr(), &raw),
            Some(callback) => {
                let mut state = ProgressState { callback, panic: None };
                raw.progress = Some(trampoline);
                raw.user_data = &mut state as *mut ProgressState as *mut c_void;
                let status = call(self.raw.as_ptr(), &raw);
                if let Some(payload) = state.panic.take() {
                    panic::resume_unwind(payload);
                }
                status
            }
        };
        check(status)
    }
}

// ---- PNG and data sets -----------------------------------------------------------------------

/// An 8-bit image read from a PNG file: `pixels` is (H, W, C).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Image {
    pub width: usize,
    pub height: usize,
    pub channels: usize,
    pub pixels: Vec<u8>,
}

fn image_size(width: usize, height: usize, channels: usize, count: usize) -> Result<usize> {
    width
        .checked_mul(height)
        .and_then(|v| v.checked_mul(channels))
        .and_then(|v| v.checked_mul(count))
        .ok_or_else(|| Error::invalid("image size overflows"))
}

/// Writes one image (width * height * channels bytes, channels 1..4) to a PNG file, atomically.
pub fn write_png<P: AsRef<Path>>(path: P, pixels: &[u8], width: usize, height: usize, channels: usize) -> Result<()> {
    let expected = image_size(width, height, channels, 1)?;
    if pixels.len() != expected {
        return Err(Error::invalid(format!("{width}x{height}x{channels} needs {expected} bytes, not {}", pixels.len())));
    }
    let path = c_path(path.as_ref())?;
    check(unsafe {
        ffi::ld_write_png(path.as_ptr(), pixels.as_ptr(), c_size(width, "width")?, c_size(height, "height")?, c_size(channels, "channels")?)
    })
}

/// Writes `count` images of width x height x channels, one after another in `pixels`, as one
/// grid PNG with `columns` images a row (0 = near-square).
pub fn write_grid_png<P: AsRef<Path>>(
    path: P,
    pixels: &[u8],
    count: usize,
    width: usize,
    height: usize,
    channels: usize,
    columns: usize,
) -> Result<()> {
    let expected = image_size(width, height, channels, count)?;
    if pixels.len() != expected {
        return Err(Error::invalid(format!(
            "{count} images of {width}x{height}x{channels} need {expected} bytes, not {}",
            pixels.len()
        )));
    }
    let path = c_path(path.as_ref())?;
    check(unsafe {
        ffi::ld_write_grid_png(
            path.as_ptr(),
            pixels.as_ptr(),
            c_size(count, "count")?,
            c_size(width, "width")?,
            c_size(height, "height")?,
            c_size(channels, "channels")?,
            c_size(columns, "columns")?,
        )
    })
}

/// Encodes one image (width * height * channels bytes, (H, W, C), channels 1..4) as PNG in memory
/// (`ld_encode_png`): the bytes [`write_png`] would write, for a host that stores or sends images
/// its own way. Each `(key, value)` of `text` becomes a text chunk after the header, in order:
/// keys of 1-79 printable ASCII characters; a value all in Latin-1 a tEXt chunk, any other an
/// iTXt chunk holding its UTF-8. A pixel count that does not match, a key or value holding a NUL byte, or a size too large
/// for the library is [`Status::InvalidArgument`]; so is what the library refuses (channels,
/// sizes, keywords), with its message.
pub fn encode_png(pixels: &[u8], width: usize, height: usize, channels: usize, text: &[(&str, &str)]) -> Result<Vec<u8>> {
    let expected = image_size(width, height, channels, 1)?;
    if pixels.len() != expected {
        return Err(Error::invalid(format!("{width}x{height}x{channels} needs {expected} bytes, not {}", pixels.len())));
    }
    let (w, h, c) = (c_size(width, "width")?, c_size(height, "height")?, c_size(channels, "channels")?);
    let count = c_size(text.len(), "text chunk count")?;
    let mut keys = Vec::with_capacity(text.len());
    let mut values = Vec::with_capacity(text.len());
    for &(key, value) in text {
        keys.push(CString::new(key).map_err(|_| Error::invalid(format!("the text key {key:?} contains a NUL byte")))?);
        values.push(
            CString::new(value).map_err(|_| Error::invalid(format!("the value of text key {key:?} contains a NUL byte")))?,
        );
    }
    let key_pointers: Vec<*const c_char> = keys.iter().map(|k| k.as_ptr()).collect();
    let value_pointers: Vec<*const c_char> = values.iter().map(|v| v.as_ptr()).collect();
    let (key_array, value_array) =
        if text.is_empty() { (ptr::null(), ptr::null()) } else { (key_pointers.as_ptr(), value_pointers.as_ptr()) };
    let mut png: *mut u8 = ptr::null_mut();
    let mut size = 0usize;
    check(unsafe { ffi::ld_encode_png(pixels.as_ptr(), w, h, c, key_array, value_array, count, &mut png, &mut size) })?;
    let _buffer = Buffer::new(png, "ld_encode_png")?;
    Ok(unsafe { std::slice::from_raw_parts(png, size) }.to_vec())
}

/// Reads a PNG file; `channels` 1..4 converts to that many channels, 0 keeps the file's layout.
pub fn read_png<P: AsRef<Path>>(path: P, channels: usize) -> Result<Image> {
    let path = c_path(path.as_ref())?;
    let mut pixels: *mut u8 = ptr::null_mut();
    let (mut w, mut h, mut c) = (0i32, 0i32, 0i32);
    check(unsafe { ffi::ld_read_png(path.as_ptr(), c_size(channels, "channels")?, &mut pixels, &mut w, &mut h, &mut c) })?;
    let (width, height, channels) = (w as usize, h as usize, c as usize);
    let size = width * height * channels;
    let copy = unsafe { std::slice::from_raw_parts(pixels, size) }.to_vec();
    unsafe { ffi::ld_free_pixels(pixels) };
    Ok(Image { width, height, channels, pixels: copy })
}

/// A data set split for [`check_dataset`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Split {
    Train,
    Test,
}

/// Reads and validates one split of an MNIST ("mnist") or CIFAR-10 ("cifar10") directory, as
/// training would; returns its image count.
pub fn check_dataset<P: AsRef<Path>>(directory: P, kind: &str, split: Split) -> Result<i64> {
    let directory = c_path(directory.as_ref())?;
    let kind = CString::new(kind).map_err(|_| Error::invalid("the kind contains a NUL byte"))?;
    let mut count = 0i64;
    let split = match split {
        Split::Train => 0,
        Split::Test => 1,
    };
    check(unsafe { ffi::ld_dataset_check(directory.as_ptr(), kind.as_ptr(), split, &mut count) })?;
    Ok(count)
}
