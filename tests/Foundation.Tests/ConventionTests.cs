using System.Text.Json;
using DigiUsher.ServiceDefaults;
using DigiUsher.ServiceDefaults.Hosting;
using DigiUsher.ServiceDefaults.Messaging;
using Microsoft.Extensions.Options;

namespace DigiUsher.Foundation.Tests;

public class MessageIdTests
{
    // The expected ids were computed independently (Python's uuid and hashlib), so the ids the
    // services wrote to their outboxes before the ids moved to ServiceDefaults keep their meaning.
    [Fact]
    public void Sha256_ForCurParsersKey_IsTheIdCurParserAlwaysGave() =>
        Assert.Equal(Guid.Parse("57974913-b827-9849-b4fb-97fedf508730"), MessageIds.Sha256("curparser:report-imported:k1"));

    [Fact]
    public void Sha256NameBased_ForDataSourcesKey_IsTheIdDataSourceAlwaysGave() =>
        Assert.Equal(Guid.Parse("97b0fc5b-f695-5720-b916-32f145e8ff26"), MessageIds.Sha256NameBased("digiusher:datasource:a:connected"));

    [Fact]
    public void Version5_ForCurPollersNamespace_IsTheIdCurPollerAlwaysGave() =>
        Assert.Equal(Guid.Parse("90cb03df-5794-56db-8016-631d4acb3aa6"), MessageIds.Version5(Guid.Parse("6f1f8e0e-3c1b-4f55-9a53-2f4c9f1f6a01"), "poll:42"));

    [Fact]
    public void Version5_ForTheRfcDnsExample_IsTheStandardUuid() =>
        Assert.Equal(Guid.Parse("2ed6657d-e927-568b-95e1-2665a8aea6a2"), MessageIds.Version5(Guid.Parse("6ba7b810-9dad-11d1-80b4-00c04fd430c8"), "www.example.com"));

    [Fact]
    public void Sha256_ForTwoKeys_GivesTwoIds() =>
        Assert.NotEqual(MessageIds.Sha256("discovery:a"), MessageIds.Sha256("discovery:b"));
}

public class CursorCodecTests
{
    private static readonly CursorCodec Codec = Create("query", "a-signing-key-of-at-least-thirty-two-bytes");

    [Fact]
    public void Decode_WhenTheCursorWasIssuedForTheQuery_ReturnsItsPosition()
    {
        var cursor = Codec.Encode("1700000000:3f2a", "from=2024-07-01");

        Assert.Equal(new CursorReading("1700000000:3f2a", null), Codec.Decode(cursor, "from=2024-07-01"));
    }

    [Fact]
    public void Decode_WhenTheQueryDiffers_RefusesAsOtherQuery() =>
        Assert.Equal(CursorProblem.OtherQuery, Codec.Decode(Codec.Encode("30", "groupBy=day"), "groupBy=service").Problem);

    [Fact]
    public void Decode_WhenThePayloadWasEdited_RefusesAsAltered()
    {
        var cursor = Codec.Encode("30", "q");
        var edited = Codec.Encode("90", "q").Split('.')[0] + "." + cursor.Split('.')[1];

        Assert.Equal(CursorProblem.Altered, Codec.Decode(edited, "q").Problem);
    }

    [Fact]
    public void Decode_WhenAnotherServiceOrKeySigned_RefusesAsAltered()
    {
        var cursor = Codec.Encode("30", "q");

        Assert.Equal(CursorProblem.Altered, Create("data-source", "a-signing-key-of-at-least-thirty-two-bytes").Decode(cursor, "q").Problem);
        Assert.Equal(CursorProblem.Altered, Create("query", "another-signing-key-of-thirty-two-bytes").Decode(cursor, "q").Problem);
    }

    [Theory]
    [InlineData("not-a-cursor")]
    [InlineData("abc.def")]
    [InlineData("a.b.c")]
    [InlineData("!!!.???")]
    public void Decode_WhenTheTextIsNoCursor_Refuses(string text) =>
        Assert.NotNull(Codec.Decode(text, "q").Problem);

    [Fact]
    public void Decode_WhenTheShapeIsBroken_RefusesAsMalformed() =>
        Assert.Equal(CursorProblem.Malformed, Codec.Decode("!!!.???", "q").Problem);

    private static CursorCodec Create(string service, string key) =>
        new(Options.Create(new CursorOptions { Key = key }), new DigiUsherService(service, service));
}

public class JsonConventionTests
{
    [Fact]
    public void Deserialize_WhenAnInstantHasAnOffset_ReadsItAsUtc()
    {
        var options = new JsonSerializerOptions();
        ServiceDefaultsExtensions.ConfigureJson(options);

        var read = JsonSerializer.Deserialize<Stamped>("""{"at":"2024-07-01T02:30:00+02:00","maybe":"2024-07-01T00:00:00-05:00"}""", options)!;

        Assert.Equal(TimeSpan.Zero, read.At.Offset);
        Assert.Equal(new DateTimeOffset(2024, 7, 1, 0, 30, 0, TimeSpan.Zero), read.At);
        Assert.Equal(new DateTimeOffset(2024, 7, 1, 5, 0, 0, TimeSpan.Zero), read.Maybe);
        Assert.Equal(TimeSpan.Zero, read.Maybe!.Value.Offset);
    }

    private sealed record Stamped(DateTimeOffset At, DateTimeOffset? Maybe);
}
