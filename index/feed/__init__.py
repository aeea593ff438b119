"""The personal feed: votes and preferences (store), taste ranking with reasons (taste, feed), weekly recap."""

from index.feed.feed import Feed
from index.feed.recap import Recap, RecapGroup, recap
from index.feed.store import FeedStore, ReadingEntry, Vote
from index.feed.taste import FeedItem, Reason, Taste

__all__ = [
    "Feed",
    "FeedItem",
    "FeedStore",
    "ReadingEntry",
    "Reason",
    "Recap",
    "RecapGroup",
    "Taste",
    "Vote",
    "recap",
]
