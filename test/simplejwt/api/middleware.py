import threading
from collections import Counter

_lock = threading.Lock()
_counts: Counter = Counter()


def count_requests(get_response):
    """Counts requests per "METHOD /path" so the tests can tell how often the kit called an endpoint."""

    def middleware(request):
        with _lock:
            _counts[f"{request.method} {request.path}"] += 1
        return get_response(request)

    return middleware


def request_counts():
    with _lock:
        return dict(_counts)
