"""Batched, per-sample image augmentation that agrees with torchvision v2 and runs on the GPU.

Every random transform draws independent parameters for each sample of a ``(B, C, H, W)``
batch in one vectorised step, on the batch's device, with ``generator=`` for reproducibility.
Each family has deterministic kernels with explicit parameters (used for grading), random
functions, and ``nn.Module`` classes; :class:`Pipeline` chains them, fusing consecutive
geometric transforms into one ``grid_sample``.

* geometry (``geometric``): ``hflip``, ``vflip``, ``rotate``, ``affine``, ``resized_crop``,
  ``crop``, ``elastic``, ``RandomResizedCrop``, ``RandomAffine``... with masks and boxes.
* colour (``photometric``): ``adjust_*``, ``color_jitter``, ``rgb_to_grayscale``,
  ``gaussian_blur``, ``permute_channels``, ``solarize``, ``posterize``, ``equalize``...
* erasing (``erasing``): ``erase``, ``RandomErasing``, ``Cutout``.
* policies (``policies``): ``RandAugment``, ``AutoAugment``, ``TrivialAugmentWide``, ``AugMix``.
* ``Pipeline``: fused, per-sample ``Compose``.

Dtypes: kernels and transforms return the input dtype (uint8 follows torchvision's integer
rounding rules); ``Pipeline`` returns float32 in [0, 1] by default. Taught in course sections 2
(image catalog), 6 (self-supervised views) and 7 (PyTorch reference).
"""

from .erasing import Cutout, RandomErasing, cutout, erase, random_erasing, sample_erasing_params
from .geometric import (
    ElasticTransform,
    GeometricTransform,
    RandomAffine,
    RandomCrop,
    RandomHorizontalFlip,
    RandomResizedCrop,
    RandomRotation,
    RandomVerticalFlip,
    affine,
    affine_inverse_matrix,
    center_crop,
    crop,
    elastic,
    hflip,
    random_affine,
    random_crop,
    random_elastic,
    random_hflip,
    random_resized_crop,
    random_rotation,
    random_vflip,
    resize,
    resized_crop,
    rotate,
    sample_affine_params,
    sample_elastic_displacement,
    sample_resized_crop_params,
    vflip,
)
from .photometric import (
    ColorJitter,
    GaussianBlur,
    Normalize,
    PixelTransform,
    RandomAdjustSharpness,
    RandomAutocontrast,
    RandomChannelShuffle,
    RandomEqualize,
    RandomGrayscale,
    RandomInvert,
    RandomPosterize,
    RandomSolarize,
    adjust_brightness,
    adjust_contrast,
    adjust_hue,
    adjust_saturation,
    adjust_sharpness,
    autocontrast,
    color_jitter,
    equalize,
    gaussian_blur,
    invert,
    normalize,
    permute_channels,
    posterize,
    rgb_to_grayscale,
    solarize,
    to_float,
)
from .pipeline import Pipeline
from .policies import (
    AugMix,
    AutoAugment,
    RandAugment,
    TrivialAugmentWide,
    apply_op,
    augmix,
    auto_augment,
    rand_augment,
    trivial_augment,
)
from .warp import Warp, warp, warp_boxes, warp_mask

__all__ = [
    "AugMix", "AutoAugment", "ColorJitter", "Cutout", "ElasticTransform", "GaussianBlur",
    "GeometricTransform", "Normalize", "Pipeline", "PixelTransform", "RandAugment",
    "RandomAdjustSharpness", "RandomAffine", "RandomAutocontrast", "RandomChannelShuffle",
    "RandomCrop", "RandomEqualize", "RandomErasing", "RandomGrayscale", "RandomHorizontalFlip",
    "RandomInvert", "RandomPosterize", "RandomResizedCrop", "RandomRotation", "RandomSolarize",
    "RandomVerticalFlip", "TrivialAugmentWide", "Warp",
    "adjust_brightness", "adjust_contrast", "adjust_hue", "adjust_saturation", "adjust_sharpness",
    "affine", "affine_inverse_matrix", "apply_op", "augmix", "auto_augment", "autocontrast",
    "center_crop", "color_jitter", "crop", "cutout", "elastic", "equalize", "erase",
    "gaussian_blur", "hflip", "invert", "normalize", "permute_channels", "posterize",
    "rand_augment", "random_affine", "random_crop", "random_elastic", "random_erasing",
    "random_hflip", "random_resized_crop", "random_rotation", "random_vflip", "resize",
    "resized_crop", "rgb_to_grayscale", "rotate", "sample_affine_params",
    "sample_elastic_displacement", "sample_erasing_params", "sample_resized_crop_params",
    "solarize", "to_float", "trivial_augment", "vflip", "warp", "warp_boxes", "warp_mask",
]
