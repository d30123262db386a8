import pytest


@pytest.fixture(autouse=True, scope="session")
def _one_torch_thread():
    """Tiny test batches run far faster on one thread than two fighting over 2 cores."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
