"""Event-based matching with a collar (training.events)."""

from training.events import Event, event_figures, match_events, merge_counts


def test_collar_one_to_one_matching_and_false_alarms():
    ref = [Event("Gunshot", 10.0, 10.5), Event("Gunshot", 30.0, 30.4), Event("Rain", 50.0, 60.0)]
    det = [Event("Gunshot", 11.2, 12.0),  # within 1 s of the first shot's offset: a hit
           Event("Gunshot", 10.2, 10.6),  # overlaps the same shot: matched once only -> false alarm
           Event("Gunshot", 32.0, 33.0),  # 1.6 s after the second shot: a miss + a false alarm
           Event("Thunder", 52.0, 55.0)]  # wrong label over rain: false alarm, counted as confusion
    res = match_events(ref, det)
    g = res["per_label"]["Gunshot"]
    assert (g["true"], g["hits"], g["predicted"], g["false_alarms"]) == (2, 1, 3, 2)
    assert res["per_label"]["Rain"]["hits"] == 0
    assert res["confusion"]["Rain"]["Thunder"] == 1
    assert res["false_alarm_indices"] == [0, 2, 3]  # the greedy match keeps the larger overlap, 10.2-10.6
    fig = event_figures(merge_counts([res, res]), hours=0.5)
    o = fig["overall"]
    assert o["true"] == 6 and o["hits"] == 2 and o["predicted"] == 8
    assert abs(o["precision"] - 0.25) < 1e-9 and abs(o["recall"] - 2 / 6) < 1e-9
    assert o["false_alarms_per_hour"] == 12.0
    assert abs(o["median_onset_error_s"] - 0.2) < 1e-9  # the greedy match pairs 10.0 with 10.2


def test_collar_zero_needs_overlap():
    ref = [Event("Fire", 5.0, 6.0)]
    assert match_events(ref, [Event("Fire", 6.5, 7.0)], collar_s=0.0)["per_label"]["Fire"]["hits"] == 0
    assert match_events(ref, [Event("Fire", 6.5, 7.0)], collar_s=1.0)["per_label"]["Fire"]["hits"] == 1
