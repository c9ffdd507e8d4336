"""Write N synthetic but realistic model schemas (``OUT/<model_id>.json``), deterministically.

Usage: ``python bench/make_corpus.py [N] [OUT] [--seed S]`` (default 1000 models into
``.bench/corpus``).

The entries are derived from the real ones in ``schemas/``: each starts from a real input schema
and is varied with fields of the shapes seen in RunComfy's catalog (media inputs of every kind,
enums large and small, arrays, objects, ``validations``, non-ASCII titles and descriptions). Model
ids have 2 to 5 segments, share owners and families, and some are prefixes of others (so their
module turns into a package). The same N and seed always give byte-identical files.
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / ".bench" / "corpus"
SEED = 20240601

OWNERS = [
    "blackforestlabs",
    "bytedance",
    "google",
    "ideogram",
    "wan-ai",
    "kling-ai",
    "minimax",
    "stability",
    "runway",
    "luma",
    "tencent",
    "alibaba",
    "recraft",
    "pixverse",
    "vidu",
    "hailuo",
    "black-sheep",
    "mochi",
    "lightricks",
    "hunyuan",
    "qwen",
    "sand-ai",
    "topaz",
    "elevenlabs",
    "suno",
    "meta",
    "nvidia",
    "openart",
    "krea",
    "playground",
    "3d-labs",
    "x.ai",
]
FAMILIES = [
    "flux",
    "seedance",
    "seedream",
    "nano-banana",
    "ideogram",
    "wan",
    "kling",
    "hailuo",
    "stable-diffusion",
    "gen",
    "ray",
    "hunyuan-video",
    "qwen-image",
    "recraft",
    "pixverse",
    "vidu",
    "ltx-video",
    "mochi",
    "magi",
    "upscaler",
    "tts",
    "music",
    "sam",
    "depth",
    "omni",
]
VERSIONS = ["1", "1.5", "2", "2.1", "2.5", "3", "3.0", "4", "5.0-pro", "v3", "v2-master", "2-lite"]
TASKS = [
    "text-to-image",
    "image-to-image",
    "text-to-video",
    "image-to-video",
    "reference-to-video",
    "video-to-video",
    "reframe",
    "upscale",
    "inpaint",
    "outpaint",
    "remove-background",
    "edit",
    "lip-sync",
    "text-to-speech",
    "speech-to-text",
    "text-to-music",
    "extend",
    "style-transfer",
    "face-swap",
    "segment",
]
VARIANTS = ["1080p", "720p", "480p", "4k", "pro", "lite", "turbo", "fast", "hd", "max", "std"]

NON_ASCII_TITLES = [
    "入力画像",
    "アスペクト比 (幅:高さ)",
    "提示词",
    "负面提示词",
    "Résolution de sortie",
    "Größe des Bildes",
    "Длительность",
    "음성 스타일",
    "Semilla 🌱",
    "Ψ-guidance",
    "Çıktı formatı",
    "Tốc độ khung hình",
]
DESCRIPTIONS = [
    "",
    "Text describing the content to generate.",
    "Higher values follow the prompt more closely; lower values give more freedom.",
    "Public HTTPS URL of the input. Recommended size: at most 50 MB.",
    'What to avoid, e.g. "blurry, low quality".',
    "Random seed.\nUse the same seed and inputs to get the same result.",
    "単一画像 URL",
    "生成される動画の長さ（秒）。",
    "Frames per second of the output — 24 is cinematic.",
    "Set to 0 for a random seed; values above 2^31-1 are rejected.",
]
DISPLAY_WORDS = ["Pro", "Lite", "Turbo", "Ultra", "HD", "Max", "Plus"]
NON_ASCII_DISPLAY = [
    "Kling 2.1 マスター",
    "万相 Wan 3.0",
    "Seedream 5.0 专业版",
    "Génération vidéo",
]
CATEGORIES = ["image", "video", "audio", "text-to-image", "image-to-video", "editing", "upscaling"]
SOURCE = "synthetic benchmark corpus derived from {base} (seed {seed})"

MEDIA = [
    ("image", "image_uri"),
    ("video", "video_uri"),
    ("audio", "audio_uri"),
    ("images", "image_uris"),
    ("videos", "video_uris"),
    ("audios", "audio_uris"),
]
VALIDATIONS = [
    {
        "validation_error": "File size must be less than 30 MB.",
        "validation_rule": "file_size_mb<",
        "validation_value": 30,
    },
    {
        "validation_error": "The aspect ratio range should be 1:16 to 16:1.",
        "validation_rule": "width/height>",
        "validation_value": 0.0625,
    },
    {
        "validation_error": "The aspect ratio range should be 1:16 to 16:1.",
        "validation_rule": "width/height<",
        "validation_value": 16,
    },
    {
        "validation_error": "The uploaded image width and height must exceed 14 pixels.",
        "validation_rule": "width_pixels>",
        "validation_value": 14,
    },
    {
        "validation_error": "Duration must be at most 15 seconds.",
        "validation_rule": "duration_seconds<=",
        "validation_value": 15,
    },
]


def real_entries(schemas: Path) -> list[dict[str, Any]]:
    entries = [json.loads(p.read_text("utf-8")) for p in sorted(schemas.rglob("*.json"))]
    if not entries:
        raise SystemExit(f"no schemas under {schemas}")
    return entries


def _module_key(model_id: str) -> tuple[str, ...]:
    """The generated module of an id, so no two synthetic ids collide in Python."""
    from runcomfy_codegen.pipeline.naming import module_parts

    return module_parts(model_id)


class IdMaker:
    """Unique model ids with shared owners and families; some ids are prefixes of others."""

    def __init__(self, rng: random.Random, taken: set[str]) -> None:
        self.rng = rng
        self.ids: list[str] = []
        self.modules: set[tuple[str, ...]] = {_module_key(i) for i in taken}
        self.taken = set(taken)

    def _add(self, model_id: str) -> bool:
        if model_id in self.taken or len(model_id.split("/")) not in range(2, 6):
            return False
        key = _module_key(model_id)
        if key in self.modules:
            return False
        self.taken.add(model_id)
        self.modules.add(key)
        self.ids.append(model_id)
        return True

    def _fresh(self) -> str:
        r = self.rng
        owner = r.choice(OWNERS)
        family = f"{r.choice(FAMILIES)}-{r.choice(VERSIONS)}"
        shape = r.random()
        if shape < 0.08:
            return f"{owner}/{family}"
        if shape < 0.70:
            return f"{owner}/{family}/{r.choice(TASKS)}"
        if shape < 0.93:
            return f"{owner}/{family}/{r.choice(TASKS)}/{r.choice(VARIANTS)}"
        return f"{owner}/{family}/{r.choice(TASKS)}/{r.choice(VARIANTS)}/{r.choice(VARIANTS)}"

    def make(self, n: int) -> list[str]:
        attempts = 0
        while len(self.ids) < n:
            attempts += 1
            if attempts > n * 200:
                raise SystemExit(f"cannot make {n} distinct model ids")
            r = self.rng.random()
            if self.ids and r < 0.12:
                # A longer id below an existing one: the existing module becomes a package.
                base = self.rng.choice(self.ids)
                self._add(f"{base}/{self.rng.choice(VARIANTS)}")
            elif self.ids and r < 0.18:
                # The parent of an existing id becomes a model of its own.
                base = self.rng.choice(self.ids).rsplit("/", 1)[0]
                self._add(base)
            else:
                self._add(self._fresh())
        return self.ids


class FieldMaker:
    """Input properties of the shapes seen in RunComfy's catalog."""

    def __init__(self, rng: random.Random, pool: list[tuple[str, dict[str, Any]]]) -> None:
        self.rng = rng
        self.pool = pool

    def title(self, name: str) -> str:
        r = self.rng.random()
        if r < 0.15:
            return self.rng.choice(NON_ASCII_TITLES)
        if r < 0.55:
            return name.replace("_", " ").title()
        return ""

    def decorate(self, name: str, schema: dict[str, Any]) -> dict[str, Any]:
        title = self.title(name)
        if title:
            schema["title"] = title
        if self.rng.random() < 0.4:
            schema["description"] = self.rng.choice(DESCRIPTIONS)
        return schema

    def enum(self) -> tuple[str, dict[str, Any]]:
        r = self.rng
        size = r.choice([2, 3, 4, 6, 8]) if r.random() < 0.85 else r.randint(40, 400)
        kind = r.random()
        if kind < 0.2:
            values: list[Any] = sorted(r.sample(range(1, 4 * size + 8), size))
            return r.choice(["num_images", "steps", "fps", "num_frames"]), {
                "type": "integer",
                "enum": values,
                "default": values[0],
            }
        if size > 20:
            w = r.sample(range(64, 8192, 16), size)
            h = r.sample(range(64, 8192, 16), size)
            values = [f"{a}:{b} ({a}x{b})" for a, b in zip(w, h, strict=True)]
            name = r.choice(["resolution", "size", "dimensions", "voice", "preset"])
        else:
            source = r.choice(
                [
                    ["auto", "21:9", "16:9", "4:3", "1:1", "3:4", "9:16", "2:3", "3:2"],
                    ["480p", "720p", "1080p", "1440p", "4k", "8k", "2k", "360p"],
                    ["png", "jpeg", "webp", "avif", "gif", "bmp", "tiff", "heic"],
                    ["TURBO", "BALANCED", "QUALITY", "DRAFT", "ULTRA", "FAST", "SLOW", "MAX"],
                    [
                        "natürlich",
                        "cinématique",
                        "アニメ",
                        "写实",
                        "noir",
                        "pop-art",
                        "3d",
                        "sketch",
                    ],
                ]
            )
            values = source[:size] if size <= len(source) else source
            name = r.choice(["aspect_ratio", "resolution", "output_format", "style", "mode"])
        schema: dict[str, Any] = {"type": "string", "enum": values}
        if r.random() < 0.7:
            schema["default"] = r.choice(values)
        return name, schema

    def media(self) -> tuple[str, dict[str, Any]]:
        r = self.rng
        name, fmt = r.choice(MEDIA)
        name = r.choice([name, f"{name.rstrip('s')}_url", f"reference_{name}", f"end_{name}"])
        if fmt.endswith("_uris"):
            schema: dict[str, Any] = {"type": "array", "format": fmt}
            if r.random() < 0.8:
                schema["maxItems"] = r.randint(2, 12)
            if r.random() < 0.3:
                schema["minItems"] = 1
        else:
            schema = {"type": "string", "format": fmt}
        if r.random() < 0.35:
            schema["validations"] = copy.deepcopy(r.sample(VALIDATIONS, r.randint(1, 4)))
        return name, schema

    def number(self) -> tuple[str, dict[str, Any]]:
        r = self.rng
        if r.random() < 0.5:
            lo = r.choice([0, 1, 2, 4])
            hi = r.choice([4, 10, 30, 50, 100, 2147483647])
            return r.choice(["duration", "seed", "steps", "num_inference_steps", "batch_size"]), {
                "type": "integer",
                "minimum": lo,
                "maximum": hi,
                "default": lo,
            }
        schema: dict[str, Any] = {"type": r.choice(["number", "float"]), "minimum": 0.0}
        if r.random() < 0.7:
            schema["maximum"] = r.choice([1.0, 2.0, 10.0, 20.0])
        if r.random() < 0.5:
            schema["default"] = 0.5
        return r.choice(["guidance_scale", "strength", "cfg", "motion_bucket", "denoise"]), schema

    def text(self) -> tuple[str, dict[str, Any]]:
        r = self.rng
        schema: dict[str, Any] = {"type": "string"}
        if r.random() < 0.5:
            schema["default"] = ""
        if r.random() < 0.3:
            schema["maxLength"] = r.choice([500, 1000, 2500])
        return r.choice(["prompt", "negative_prompt", "text", "lyrics", "style_prompt"]), schema

    def flag(self) -> tuple[str, dict[str, Any]]:
        r = self.rng
        name = r.choice(["generate_audio", "enable_safety_checker", "prompt_extend", "loop"])
        return name, {"type": "boolean", "default": r.random() < 0.5}

    def array(self) -> tuple[str, dict[str, Any]]:
        r = self.rng
        if r.random() < 0.5:
            return r.choice(["tags", "keywords", "stop_words"]), {
                "type": "array",
                "items": {"type": "string"},
                "maxItems": r.randint(3, 20),
            }
        return r.choice(["keyframes", "timestamps", "weights"]), {
            "type": "array",
            "items": {"type": "number", "minimum": 0},
        }

    def obj(self) -> tuple[str, dict[str, Any]]:
        r = self.rng
        shape = r.random()
        if shape < 0.4:
            return r.choice(["color_palette", "style", "extra_params", "metadata"]), {
                "type": "object"
            }
        lora = {
            "type": "object",
            "properties": {
                "path": {"type": "string", "format": "uri"},
                "scale": {"type": "number", "minimum": 0, "maximum": 4, "default": 1},
            },
            "required": ["path"],
        }
        if shape < 0.7:
            return "loras", {"type": "array", "items": lora, "maxItems": 3}
        return "camera_control", {
            "type": "object",
            "properties": {
                "type": {"type": "string", "enum": ["simple", "down_back", "forward_up"]},
                "horizontal": {"type": "number", "minimum": -10, "maximum": 10},
                "zoom": {"type": "number", "minimum": -10, "maximum": 10},
            },
        }

    def real(self) -> tuple[str, dict[str, Any]]:
        name, schema = self.rng.choice(self.pool)
        return name, copy.deepcopy(schema)

    def any(self) -> tuple[str, dict[str, Any]]:
        makers = [
            (self.enum, 5),
            (self.media, 4),
            (self.number, 4),
            (self.text, 2),
            (self.flag, 2),
            (self.array, 1),
            (self.obj, 1),
            (self.real, 3),
        ]
        maker = self.rng.choices([m for m, _ in makers], weights=[w for _, w in makers])[0]
        return maker()


def output_schema(rng: random.Random, kind: str) -> dict[str, Any] | None:
    if rng.random() < 0.6:
        return None
    props: dict[str, Any] = {}
    for key in rng.sample(["image", "images", "video", "videos", "audio"], rng.randint(1, 3)):
        many = key.endswith("s")
        url = {"type": "string", "format": "uri"}
        props[key] = {"type": "array", "items": url} if many else dict(url)
        if rng.random() < 0.5:
            props[key]["description"] = rng.choice(["単一画像 URL", f"{kind} URL(s)", ""])
    if rng.random() < 0.3:
        props["seed"] = {"type": "integer"}
    if rng.random() < 0.2:
        props["has_nsfw_concepts"] = {"type": "array", "items": {"type": "boolean"}}
    return {"type": "object", "properties": props}


def make_entry(
    rng: random.Random,
    model_id: str,
    bases: list[tuple[str, dict[str, Any]]],
    fields: FieldMaker,
    seed: int,
) -> dict[str, Any]:
    base_id, base = rng.choice(bases)
    schema = copy.deepcopy(base["input_schema"])
    props: dict[str, Any] = dict(schema.get("properties", {}))
    required = [r for r in schema.get("required", []) if r in props]
    for name in list(props):
        if name not in required and rng.random() < 0.25:
            del props[name]
    for _ in range(rng.choice([0, 1, 2, 3, 4, 6, 9])):
        name, prop = fields.any()
        if name in props:
            name = f"{name}_{rng.randint(2, 9)}"
        if name in props:
            continue
        props[name] = fields.decorate(name, prop)
        if rng.random() < 0.15:
            required.append(name)
    schema["properties"] = props
    schema["required"] = sorted(set(required))
    if rng.random() < 0.2:
        schema["title"] = rng.choice(["入力スキーマ", "Input", "Eingabe"])
    entry: dict[str, Any] = {"model_id": model_id}
    r = rng.random()
    if r < 0.1:
        entry["display_name"] = rng.choice(NON_ASCII_DISPLAY)
    elif r < 0.6:
        words = model_id.replace("-", " ").split("/")[1:]
        entry["display_name"] = " ".join(w.title() for w in words) + " " + rng.choice(DISPLAY_WORDS)
    entry["source"] = SOURCE.format(base=base_id, seed=seed)
    if rng.random() < 0.5:
        entry["categories"] = sorted(rng.sample(CATEGORIES, rng.randint(1, 3)))
    entry["input_schema"] = schema
    out = output_schema(rng, model_id.split("/")[-1])
    if out is not None:
        entry["output_schema"] = out
    return entry


def corpus(
    n: int, seed: int = SEED, schemas: Path = ROOT / "schemas", *, with_real: bool = False
) -> Iterator[dict[str, Any]]:
    """The ``n`` entries of the corpus, in model id order.

    With ``with_real``, the real entries of ``schemas`` are among the ``n`` as they are (their
    modules are kept free of synthetic ids), so both trees can import the same real model.
    """
    rng = random.Random(seed)
    real = real_entries(schemas)
    bases = [(e["model_id"], e) for e in real]
    pool = [
        (name, prop)
        for e in real
        for name, prop in sorted(e["input_schema"].get("properties", {}).items())
        if isinstance(prop, dict)
    ]
    fields = FieldMaker(rng, pool)
    kept = {e["model_id"]: e for e in real} if with_real else {}
    ids = IdMaker(rng, set(kept)).make(max(0, n - len(kept)))
    for model_id in sorted([*ids, *kept]):
        if model_id in kept:
            yield kept[model_id]
        else:
            yield make_entry(rng, model_id, bases, fields, seed)


def write_corpus(n: int, out: Path, seed: int = SEED, *, with_real: bool = False) -> list[str]:
    """Write the corpus under ``out`` (replacing any ``*.json`` there); returns the model ids."""
    out.mkdir(parents=True, exist_ok=True)
    for old in out.rglob("*.json"):
        old.unlink()
    ids: list[str] = []
    for entry in corpus(n, seed, with_real=with_real):
        path = out / f"{entry['model_id']}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(entry, indent=2, ensure_ascii=False) + "\n"
        path.write_text(text, encoding="utf-8")
        ids.append(entry["model_id"])
    return ids


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=1000, help="number of models")
    parser.add_argument("out", nargs="?", type=Path, default=DEFAULT_OUT, help="output folder")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument(
        "--with-real", action="store_true", help="include the real schemas (counted in N)"
    )
    args = parser.parse_args(argv)
    if args.n < 1:
        parser.error("N must be at least 1")
    ids = write_corpus(args.n, args.out, args.seed, with_real=args.with_real)
    print(f"{len(ids)} schemas -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
