"""Entry point of the `train` target: reports whether a CUDA device is visible, then trains."""
import os
import shutil

from .model import train


def cuda_visible() -> bool:
    devices = os.environ.get("CUDA_VISIBLE_DEVICES")
    if devices is not None:
        return devices.strip() not in ("", "-1")
    return shutil.which("nvidia-smi") is not None


def main() -> None:
    print(f"CUDA visible: {'yes' if cuda_visible() else 'no'}")
    model = train(["the cat sat", "the dog sat down"])
    print(f"trained on {len(model)} words; p(the) = {model['the']:.2f}")


if __name__ == "__main__":
    main()
