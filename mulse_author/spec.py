"""The one home of the model's input constants: the paper's preprocessing (Abreu, dos Santos &
Bezerra, IJCNN 2018) and the stream geometry of the aiSFX encoder.  Imports nothing, so every
layer (media, features, model, detect, training) reads the same values.

Audio: 22 050 Hz mono, log-mel with 60 Slaney mel bands, n_fft 1024, hop 512 (about 23.2 ms),
centred frames, power spectrum converted to dB with ``ref=1.0, amin=1e-10, top_db=80``.
Video: 32 frames sampled evenly from each 10 s clip (3.2 frames per second), 32x32 RGB in [0, 1].
The released code feeds the audio module 420 mel frames, i.e. 419 * 512 / 22050 = 9.73 s of
frame centres (a full 10 s clip gives 431 centred frames).
"""

SAMPLE_RATE = 22050  # Hz
N_FFT = 1024  # samples per STFT window (46.4 ms)
HOP = 512  # samples between mel frames (23.2 ms)
N_MELS = 60  # mel bands
F_MIN = 0.0  # Hz, lowest mel filter edge (librosa default)
F_MAX = SAMPLE_RATE / 2  # Hz, highest mel filter edge (librosa default)

# power_to_db parameters (librosa.power_to_db with ref=1.0, amin=1e-10, top_db=80)
DB_REF = 1.0
DB_AMIN = 1e-10
TOP_DB = 80.0

CLIP_SECONDS = 10  # seconds per model input clip
AUDIO_FRAMES = 420  # mel frames per clip fed to the audio module
VIDEO_FRAMES = 32  # sampled frames per clip fed to the video module
FRAME_SIZE = 32  # pixels, sampled frames are FRAME_SIZE x FRAME_SIZE RGB
VIDEO_FPS = VIDEO_FRAMES / CLIP_SECONDS  # 3.2 sampled frames per second

# aiSFX encoder geometry (mulse_author.model.encoders.aisfx), here so that the torch-free stream
# scheduler in mulse_author.detect.inference uses the same numbers.
#: Input (mel) frames per feature-map frame (three 2x2 max-pools).
FMAP_STRIDE = 8
#: Input frames a feature-map frame sees on each side beyond its own 8: 2 x (1 + 2 + 4 + 8) from
#: the two 3x3 convolutions per block, plus 1 + 2 + 4 from the pools.
RF_HALF_WIDTH = 37
#: Real neighbour frames given to each side of a chunk of a stream feature map: the smallest
#: multiple of 8 >= RF_HALF_WIDTH, so a chunked map equals the one-pass map (tested exactly).
STREAM_CONTEXT = 40
#: Feature-map frames left out at each end of a pooled window: 5 x 8 > RF_HALF_WIDTH, so pooled
#: frames never see the window's zero padding and a window pooled from a stream map equals it alone.
POOL_EDGE = 5
#: Feature-map frames a window pools (its central 7.8 s): 420 // 8 - 2 * POOL_EDGE.
POOL_FRAMES = AUDIO_FRAMES // FMAP_STRIDE - 2 * POOL_EDGE
