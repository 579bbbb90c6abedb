"""`python bench/judge_memory.py`: the bytes the judge keeps per code it remembers, from 200 answers of
1,000 codes each, measured by tracemalloc (bench/run.py reads the one number printed)."""

from __future__ import annotations

import json
import tracemalloc

from conformance.judge import Exchange, Judge, Roles

BATCHES, SIZE = 200, 1000
DIGITS = str.maketrans("0123456789", "ABCDEFGHJK")


def generated(number: int) -> Exchange:
    codes = [f"BENC-{number * SIZE + i:08d}".translate(DIGITS) for i in range(SIZE)]
    batch = {
        "id": f"00000000-0000-4000-8000-{number:012d}",
        "campaignId": "c1d2e3f4-a5b6-7890-1234-567890abcdef",
    }
    batch.update(batchSize=SIZE, pointsValue=5, label=None, expiresAt=None, createdAt="2027-01-15T08:00:00Z")
    answer = {
        "status": "success",
        "data": {"batch": batch, "codes": codes, "count": SIZE, "gameUrl": "https://x/campaign/b"},
    }
    body = json.dumps({"slug": "bench", "batchSize": SIZE, "pointsValue": 5}).encode()
    headers = {"x-api-secret": "sk_test_bench", "content-type": "application/json"}
    url = "http://bench.test/v1/campaigns/codes/generate"
    started = 1.8e9 + number
    return Exchange("POST", url, headers, body, 200, {"content-type": "application/json"},
                    json.dumps(answer).encode(), started, started + 0.01, number)  # fmt: skip


def main() -> None:
    judge = Judge(Roles())
    judge.judge(generated(0))  # what the first answer sets up once is not per code
    exchanges = [generated(number) for number in range(1, BATCHES + 1)]
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for exchange in exchanges:
        judge.judge(exchange)
    del exchanges
    print((tracemalloc.get_traced_memory()[0] - before) / (BATCHES * SIZE))


if __name__ == "__main__":
    main()
