from tests.data_dirs import data_dirs

__all__ = ["data_dirs"]
