"""Tests for bot.intake.feed_parser: RSS 2.0, RSS 1.0 and Atom samples, malformed documents and entity bombs."""

from __future__ import annotations

import time

import pytest

from bot.core.errors import FetchError
from bot.intake.feed_parser import Feed, FeedEntry, parse_feed

BASE = "https://news.example.com/feeds/world.xml"

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"
     xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
  <title>The Daily Example &#8211; World</title>
  <link>https://news.example.com/world</link>
  <description>World news</description>
  <item>
    <title>Council approves new bridge</title>
    <link>https://news.example.com/2024/03/05/bridge</link>
    <guid isPermaLink="false">tag:news.example.com,2024:bridge</guid>
    <pubDate>Tue, 05 Mar 2024 23:30:00 -0500</pubDate>
    <description><![CDATA[<p>The city council voted <b>7–2</b> to approve a bridge.</p>
      <p>Work starts in spring.</p>]]></description>
    <author>jane.doe@example.com (Jane Doe)</author>
    <dc:creator>John Smith</dc:creator>
  </item>
  <item>
    <title>Caf&#233; &lt;em&gt;reopens&lt;/em&gt; &amp; thrives</title>
    <link>/2024/03/06/cafe</link>
    <pubDate>Wed, 06 Mar 2024 08:00:00 GMT</pubDate>
    <description>A &lt;i&gt;beloved&lt;/i&gt; caf&#233; is back.</description>
  </item>
  <item>
    <title>Guid is the permalink</title>
    <guid>https://news.example.com/2024/03/07/guid</guid>
    <dc:date>2024-03-07T09:15:00+01:00</dc:date>
    <content:encoded><![CDATA[<p>Full text in content:encoded.</p>]]></content:encoded>
  </item>
  <item>
    <title>Link in an atom:link</title>
    <atom:link rel="alternate" href="https://news.example.com/2024/03/08/atom-link"/>
    <pubDate>not a date</pubDate>
  </item>
  <item>
    <title>No link at all</title>
    <guid isPermaLink="false">opaque-123</guid>
  </item>
  <item>
    <title>A javascript link</title>
    <link>javascript:alert(1)</link>
  </item>
</channel>
</rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://blog.example.org/">
  <title type="html">Example &lt;b&gt;Blog&lt;/b&gt;</title>
  <id>urn:uuid:60a76c80-d399-11d9-b91C-0003939e0af6</id>
  <updated>2024-03-10T18:30:02Z</updated>
  <author><name>Feed Author</name></author>
  <entry>
    <title>Atom entry one</title>
    <link rel="alternate" type="text/html" href="posts/one"/>
    <link rel="edit" href="https://blog.example.org/edit/one"/>
    <id>urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a</id>
    <published>2024-03-09T23:59:00-08:00</published>
    <updated>2024-03-10T10:00:00Z</updated>
    <summary>Short summary of the first entry.</summary>
    <author><name>Ann Writer</name></author>
    <author><name>Bo Editor</name></author>
  </entry>
  <entry>
    <title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">Entry <em>two</em></div></title>
    <link href="https://elsewhere.example.net/two"/>
    <id>tag:blog.example.org,2024:two</id>
    <updated>2024-03-08T12:00:00Z</updated>
    <content type="html">&lt;p&gt;Body of &lt;b&gt;two&lt;/b&gt;.&lt;/p&gt;</content>
  </entry>
  <entry>
    <title>No alternate link</title>
    <link rel="self" href="https://blog.example.org/self/three"/>
    <id>three</id>
  </entry>
</feed>"""

RSS1 = """<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
         xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://rdf.example.com/"><title>RDF Site</title></channel>
  <item rdf:about="https://rdf.example.com/a">
    <title>RDF item</title><link>https://rdf.example.com/a</link>
    <description>An RSS 1.0 item.</description><dc:date>2024-01-02</dc:date><dc:creator>Rae</dc:creator>
  </item>
</rdf:RDF>"""


def test_rss_feed() -> None:
    feed = parse_feed(RSS, BASE)
    assert feed.title == "The Daily Example – World"
    assert [e.title for e in feed.entries] == [
        "Council approves new bridge",
        "Café reopens & thrives",
        "Guid is the permalink",
        "Link in an atom:link",
    ]
    assert feed.entries[0] == FeedEntry(
        id="tag:news.example.com,2024:bridge",
        url="https://news.example.com/2024/03/05/bridge",
        title="Council approves new bridge",
        published="2024-03-05",  # the publisher's own date, not moved to UTC (which would be the 6th)
        summary="The city council voted 7–2 to approve a bridge. Work starts in spring.",
        authors=["Jane Doe", "John Smith"],
    )
    second = feed.entries[1]
    assert second.url == "https://news.example.com/2024/03/06/cafe"  # relative link resolved against the feed
    assert second.id == second.url  # no guid: the URL identifies the item
    assert second.summary == "A beloved café is back."
    third = feed.entries[2]
    assert third.url == third.id == "https://news.example.com/2024/03/07/guid"
    assert third.published == "2024-03-07"
    assert third.summary == "Full text in content:encoded."
    fourth = feed.entries[3]
    assert fourth.url == "https://news.example.com/2024/03/08/atom-link"
    assert fourth.published is None  # an unparseable date is not an error


def test_atom_feed() -> None:
    feed = parse_feed(ATOM, "https://blog.example.org/feed.atom")
    assert feed == Feed(
        title="Example Blog",
        entries=[
            FeedEntry(
                id="urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a",
                url="https://blog.example.org/posts/one",
                title="Atom entry one",
                published="2024-03-09",
                summary="Short summary of the first entry.",
                authors=["Ann Writer", "Bo Editor"],
            ),
            FeedEntry(
                id="tag:blog.example.org,2024:two",
                url="https://elsewhere.example.net/two",
                title="Entry two",
                published="2024-03-08",  # no <published>: falls back to <updated>
                summary="Body of two.",
                authors=["Feed Author"],  # inherited from the feed
            ),
        ],
    )


def test_rss1_feed() -> None:
    feed = parse_feed(RSS1, "https://rdf.example.com/index.rdf")
    assert feed.title == "RDF Site"
    assert feed.entries == [
        FeedEntry(
            id="https://rdf.example.com/a",
            url="https://rdf.example.com/a",
            title="RDF item",
            published="2024-01-02",
            summary="An RSS 1.0 item.",
            authors=["Rae"],
        )
    ]


def test_feed_text_with_bom_and_leading_whitespace() -> None:
    assert parse_feed("\ufeff\n  " + RSS, BASE).title == "The Daily Example – World"


def test_feed_declared_in_latin1_but_passed_as_text() -> None:
    text = '<?xml version="1.0" encoding="ISO-8859-1"?><rss><channel><title>Café</title></channel></rss>'
    assert parse_feed(text, BASE) == Feed(title="Café", entries=[])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("   \n", "empty"),
        ("<rss><channel><item><title>x</title></channel></rss>", r"malformed feed: mismatched tag at line 1"),
        ("<rss><channel>", "malformed feed: no element found"),
        ("this is not xml", "malformed feed: syntax error at line 1, column 1"),
        ("<rss><channel><title>&nbsp;</title></channel></rss>", "malformed feed: undefined entity"),
        ("<html><body>Not a feed</body></html>", "not an RSS or Atom feed: its root element is <html>"),
        ("<rss version='2.0'></rss>", "has no <channel>"),
        ('<feed xmlns="http://example.com/not-atom"/>', "root element is <feed>"),
    ],
)
def test_malformed_feeds_fail_clearly(text: str, message: str) -> None:
    with pytest.raises(FetchError, match=message):
        parse_feed(text, BASE)


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>&lol9;</title></channel></rss>"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>&xxe;</title></channel></rss>"""

PLAIN_DOCTYPE = """<?xml version="1.0"?>
<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" "http://my.netscape.com/publish/formats/rss-0.91.dtd">
<rss version="0.91"><channel><title>Old</title></channel></rss>"""


@pytest.mark.parametrize("text", [BILLION_LAUGHS, EXTERNAL_ENTITY, PLAIN_DOCTYPE], ids=["bomb", "xxe", "dtd"])
def test_doctype_and_entities_are_refused(text: str) -> None:
    started = time.monotonic()
    with pytest.raises(FetchError, match="refusing a feed that declares a DOCTYPE"):
        parse_feed(text, BASE)
    assert time.monotonic() - started < 1  # refused before any expansion


def test_doctype_text_inside_cdata_is_not_a_doctype() -> None:
    text = (
        "<rss><channel><title>t</title><item><title>x</title><link>https://e.com/x</link>"
        "<description><![CDATA[<!DOCTYPE html><p>Hello</p>]]></description></item></channel></rss>"
    )
    entry = parse_feed(text, BASE).entries[0]
    assert entry.summary == "Hello"


def test_summary_html_is_reduced_to_text() -> None:
    text = (
        "<rss><channel><title>t</title><item><title>x</title><link>https://e.com/x</link><description>"
        "&lt;p&gt;First&lt;/p&gt;&lt;p&gt;Second &lt;b&gt;bold&lt;/b&gt;.&lt;/p&gt;"
        "&lt;script&gt;alert(1)&lt;/script&gt;&lt;style&gt;p {}&lt;/style&gt;AT&amp;amp;T"
        "</description></item></channel></rss>"
    )
    assert parse_feed(text, BASE).entries[0].summary == "First Second bold. AT&T"
