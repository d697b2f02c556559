import unittest

from intervals import gaps, merge, total_length


class MergeTest(unittest.TestCase):
    def test_empty(self):
        self.assertEqual(merge([]), [])

    def test_overlapping_are_merged_and_sorted(self):
        self.assertEqual(merge([(5, 8), (1, 3), (2, 4)]), [(1, 4), (5, 8)])

    def test_touching_intervals_are_merged(self):
        # A meeting 9-12 followed by one 12-14 leaves no gap: one block 9-14.
        self.assertEqual(merge([(9, 12), (12, 14), (16, 17)]), [(9, 14), (16, 17)])

    def test_rejects_backwards_interval(self):
        with self.assertRaises(ValueError):
            merge([(3, 1)])


class GapsTest(unittest.TestCase):
    def test_free_slots_between_meetings(self):
        self.assertEqual(gaps([(9, 12), (12, 14), (16, 17)], 8, 18), [(8, 9), (14, 16), (17, 18)])

    def test_total_length_counts_overlap_once(self):
        self.assertEqual(total_length([(9, 12), (11, 13)]), 4)


if __name__ == "__main__":
    unittest.main()
