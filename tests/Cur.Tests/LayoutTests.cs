using System.Text;
using System.Text.Json.Serialization;
using DigiUsher.Contracts;
using DigiUsher.Cur.Layout;
using DigiUsher.Cur.Manifests;
using Parquet.Serialization;

namespace DigiUsher.Cur.Tests;

public class LayoutTests
{
    private static readonly DateTimeOffset T0 = new(2024, 2, 3, 10, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("cur/hourly/20240101-20240201/hourly-Manifest.json", CurObjectRole.PeriodManifest, null)]
    [InlineData("cur/hourly/20240101-20240201/5c1e-uuid/hourly-Manifest.json", CurObjectRole.AssemblyManifest, "5c1e-uuid")]
    [InlineData("cur/hourly/20240101-20240201/20240307T053621Z/hourly-00001.csv.zip", CurObjectRole.DataFile, "20240307T053621Z")]
    [InlineData("cur/hourly/20240101-20240201/hourly-1.csv.gz", CurObjectRole.DataFile, null)]
    [InlineData("cur/hourly/20240101-20240131/hourly-1.csv.gz", CurObjectRole.DataFile, null)]
    [InlineData("cur/hourly/20240101-20240201/5c1e-uuid/hourly-00001.snappy.parquet", CurObjectRole.DataFile, "5c1e-uuid")]
    public void Classify_WhenLegacyCsvKeys_FindsReportPeriodAndRole(string key, CurObjectRole role, string? version)
    {
        var classified = CurKeys.Classify(key, "cur");

        Assert.NotNull(classified);
        Assert.Equal(CurLayoutKind.LegacyCsv, classified.Layout);
        Assert.Equal("hourly", classified.ReportName);
        Assert.Equal(new BillingPeriod(2024, 1), classified.Period);
        Assert.Equal(role, classified.Role);
        Assert.Equal(version, classified.VersionFolder);
        Assert.Equal("cur/hourly/", classified.ReportPath);
        Assert.StartsWith("cur/hourly/202401", classified.PeriodPath);
    }

    [Theory]
    [InlineData("athena/pq/pq/year=2024/month=9/pq-00001.snappy.parquet", CurObjectRole.DataFile)]
    [InlineData("athena/pq/pq/year=2024/month=09/pq-00002.snappy.parquet", CurObjectRole.DataFile)]
    [InlineData("athena/pq/pq/year=2024/month=9/pq-Manifest.json", CurObjectRole.PeriodManifest)]
    public void Classify_WhenLegacyParquetKeys_AcceptsOneAndTwoDigitMonths(string key, CurObjectRole role)
    {
        var classified = CurKeys.Classify(key, "/athena/");

        Assert.NotNull(classified);
        Assert.Equal(CurLayoutKind.LegacyParquet, classified.Layout);
        Assert.Equal("pq", classified.ReportName);
        Assert.Equal(new BillingPeriod(2024, 9), classified.Period);
        Assert.Equal(role, classified.Role);
        Assert.Equal("athena/pq/pq/", classified.ReportPath);
    }

    [Theory]
    [InlineData("x/cur2/data/BILLING_PERIOD=2024-05/cur2-00001.csv.gz", CurObjectRole.DataFile, null, ReportFormat.Cur2CsvGzip)]
    [InlineData("x/cur2/data/billing_period=2024-05/cur2-00001.snappy.parquet", CurObjectRole.DataFile, null, ReportFormat.Cur2Parquet)]
    [InlineData("x/cur2/data/Billing_Period=2024-05/2024-05-18T20:16:37.306Z-3695a728/cur2-00001.snappy.parquet", CurObjectRole.DataFile, "2024-05-18T20:16:37.306Z-3695a728", ReportFormat.Cur2Parquet)]
    [InlineData("x/cur2/metadata/BILLING_PERIOD=2024-05/cur2-Manifest.json", CurObjectRole.PeriodManifest, null, null)]
    public void Classify_WhenDataExportKeys_MatchesThePartitionInAnyCase(string key, CurObjectRole role, string? version, ReportFormat? format)
    {
        var classified = CurKeys.Classify(key, "x");

        Assert.NotNull(classified);
        Assert.Equal(CurLayoutKind.DataExport, classified.Layout);
        Assert.Equal("cur2", classified.ReportName);
        Assert.Equal(new BillingPeriod(2024, 5), classified.Period);
        Assert.Equal(role, classified.Role);
        Assert.Equal(version, classified.VersionFolder);
        Assert.Equal(format, role == CurObjectRole.DataFile ? CurKeys.FormatOf(key, dataExport: true) : null);
    }

    [Theory]
    [InlineData("hourly/20240101-20240201/hourly-Manifest.json", "")]
    [InlineData("/hourly/20240101-20240201/hourly-Manifest.json", "")]
    [InlineData("/cur/hourly/20240101-20240201/hourly-Manifest.json", "cur")]
    [InlineData("a/b/c/hourly/20240101-20240201/hourly-Manifest.json", "a/b/c/")]
    public void Classify_WhenThePrefixIsEmptyOrKeysStartWithSlash_StillFindsTheReport(string key, string prefix)
    {
        var classified = CurKeys.Classify(key, prefix);

        Assert.NotNull(classified);
        Assert.Equal("hourly", classified.ReportName);
        Assert.Equal(CurObjectRole.PeriodManifest, classified.Role);
        Assert.EndsWith("hourly/", classified.ReportPath);
        Assert.StartsWith(classified.ReportPath, key, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("other/hourly/20240101-20240201/hourly-Manifest.json", "cur")]
    [InlineData("cur/hourly/20240101-20240201/hourly-RedshiftCommands.sql", "cur")]
    [InlineData("cur/pq/pq/cost_and_usage_data_status/cost_and_usage_data_status.parquet", "cur")]
    [InlineData("cur/pq/pq/20221101-20221201/pq-create-table.sql", "cur")]
    [InlineData("cur/pq/pq/crawler-cfn.yml", "cur")]
    [InlineData("cur/hourly/20240115-20240215/hourly-1.csv.gz", "cur")]
    [InlineData("cur/hourly/20240101-20240301/hourly-1.csv.gz", "cur")]
    [InlineData("cur/pq/pq/year=2024/month=13/pq-1.parquet", "cur")]
    [InlineData("cur/x/data/BILLING_PERIOD=2024-5x/x-1.csv.gz", "cur")]
    [InlineData("cur/hourly/20240101-20240201/hourly-1.snappy.parquet", "cur")]
    public void Classify_WhenNotADeliveryFile_ReturnsNull(string key, string prefix)
    {
        Assert.Null(CurKeys.Classify(key, prefix));
    }

    [Fact]
    public void PeriodFolder_WhenWritten_EndsOnTheFirstOfTheNextMonth()
    {
        Assert.Equal("20241201-20250101", CurKeys.PeriodFolder(new BillingPeriod(2024, 12)));
        Assert.True(CurKeys.TryParsePeriodFolder("20241201-20250101", out var period));
        Assert.Equal(new BillingPeriod(2024, 12), period);
    }

    [Theory]
    [InlineData("", "", "")]
    [InlineData("/cur/", null, "cur/")]
    [InlineData("cur", "hourly", "cur/hourly/")]
    [InlineData("", "hourly", "hourly/")]
    public void ListingPrefix_WhenPrefixAndNameVary_IsNormalized(string prefix, string? name, string expected)
    {
        Assert.Equal(expected, CurKeys.ListingPrefix(prefix, name));
    }

    [Fact]
    public void Build_WhenAListingMixesLayouts_GroupsReportsAndPeriods()
    {
        var catalog = CurCatalog.Build(
            [
                Obj("p/csv/20240101-20240201/csv-Manifest.json"),
                Obj("p/csv/20240101-20240201/a1/csv-Manifest.json"),
                Obj("p/csv/20240101-20240201/a1/csv-1.csv.gz"),
                Obj("p/csv/20240201-20240301/csv-Manifest.json"),
                Obj("p/csv/20240201-20240301/a2/csv-1.csv.gz"),
                Obj("p/pq/pq/year=2024/month=1/pq-00001.snappy.parquet"),
                Obj("p/pq/pq/cost_and_usage_data_status/cost_and_usage_data_status.parquet"),
                Obj("p/cur2/data/BILLING_PERIOD=2024-01/cur2-00001.csv.gz"),
                Obj("p/cur2/metadata/BILLING_PERIOD=2024-01/cur2-Manifest.json"),
                Obj("p/empty/20240101-20240201/empty-Manifest.json"),
                Obj("p/readme.txt"),
            ],
            "p");

        Assert.Equal(["p/csv/", "p/cur2/", "p/pq/pq/"], catalog.Select(r => r.ReportPath));
        var csv = catalog[0];
        Assert.Equal(CurLayoutKind.LegacyCsv, csv.Layout);
        Assert.Equal([new BillingPeriod(2024, 1), new BillingPeriod(2024, 2)], csv.Periods.Select(p => p.Period));
        Assert.Equal("p/csv/20240101-20240201/csv-Manifest.json", csv.Periods[0].CurrentManifest!.Key);
        var cur2 = catalog[1];
        Assert.Equal(CurLayoutKind.DataExport, cur2.Layout);
        Assert.Equal("p/cur2/metadata/BILLING_PERIOD=2024-01/cur2-Manifest.json", cur2.Periods[0].CurrentManifest!.Key);
        Assert.Equal("p/cur2/data/BILLING_PERIOD=2024-01/", cur2.Periods[0].DataPath);
        Assert.Equal("p/pq/pq/cost_and_usage_data_status/cost_and_usage_data_status.parquet", catalog[2].StatusKey);
    }

    [Fact]
    public void CurrentManifest_WhenThePeriodManifestIsMissing_IsTheNewestAssemblyManifest()
    {
        var report = Assert.Single(CurCatalog.Build(
            [
                Obj("r/20240101-20240201/a1/r-Manifest.json", T0),
                Obj("r/20240101-20240201/a1/r-1.csv.gz", T0),
                Obj("r/20240101-20240201/a2/r-Manifest.json", T0.AddHours(8)),
                Obj("r/20240101-20240201/a2/r-1.csv.gz", T0.AddHours(8)),
            ],
            ""));

        Assert.Equal("r/20240101-20240201/a2/r-Manifest.json", report.Periods[0].CurrentManifest!.Key);
    }

    [Fact]
    public void ResolveLegacyCsv_WhenCreateNewWithSeveralAssemblies_TakesTheManifestsAssembly()
    {
        var manifestObject = Obj("r/20240101-20240201/r-Manifest.json", T0.AddHours(8));
        var listing = Period(
            manifestObject,
            Obj("r/20240101-20240201/a1/r-1.csv.gz", T0),
            Obj("r/20240101-20240201/a2/r-1.csv.gz", T0.AddHours(8)),
            Obj("r/20240101-20240201/a2/r-2.csv.gz", T0.AddHours(8)));
        var manifest = Manifest("a2", "r/20240101-20240201/a2/r-1.csv.gz", "r/20240101-20240201/a2/r-2.csv.gz");

        var delivery = Assert.IsType<ResolvedDelivery>(DeliveryResolver.ResolveLegacyCsv(listing, manifestObject, manifest, "r", T0.AddHours(9), TimeSpan.FromMinutes(30)));

        Assert.Equal("a2", delivery.DeliveryId);
        Assert.Equal(ReportFormat.CsvGzip, delivery.Format);
        Assert.Equal(["r/20240101-20240201/a2/r-1.csv.gz", "r/20240101-20240201/a2/r-2.csv.gz"], delivery.Files.Select(f => f.Key));
    }

    [Fact]
    public void ResolveLegacyCsv_WhenAKeyOfTheManifestIsMissing_IsIncomplete()
    {
        var manifestObject = Obj("r/20240101-20240201/r-Manifest.json", T0);
        var listing = Period(manifestObject, Obj("r/20240101-20240201/r-1.csv.gz", T0));

        var result = DeliveryResolver.ResolveLegacyCsv(
            listing, manifestObject, Manifest("a1", "r/20240101-20240201/r-1.csv.gz", "r/20240101-20240201/r-2.csv.gz"), "r", T0, TimeSpan.FromMinutes(30));

        Assert.Contains("r-2.csv.gz", Assert.IsType<IncompleteDelivery>(result).Reason);
    }

    [Fact]
    public void ResolveLegacyCsv_WhenOverwriteIsMidWrite_IsIncompleteUntilTheRewriteSettles()
    {
        var manifestObject = Obj("r/20240101-20240201/r-Manifest.json", T0);
        var listing = Period(manifestObject, Obj("r/20240101-20240201/r-1.csv.gz", T0.AddMinutes(5)), Obj("r/20240101-20240201/r-2.csv.gz", T0));
        var manifest = Manifest("a1", "r/20240101-20240201/r-1.csv.gz", "r/20240101-20240201/r-2.csv.gz");

        var during = DeliveryResolver.ResolveLegacyCsv(listing, manifestObject, manifest, "r", T0.AddMinutes(6), TimeSpan.FromMinutes(30));
        var longAfter = DeliveryResolver.ResolveLegacyCsv(listing, manifestObject, manifest, "r", T0.AddHours(2), TimeSpan.FromMinutes(30));

        Assert.Contains("rewrite is in progress", Assert.IsType<IncompleteDelivery>(during).Reason);
        Assert.Equal("a1", Assert.IsType<ResolvedDelivery>(longAfter).DeliveryId);
    }

    [Fact]
    public void ResolveLegacyCsv_WhenThePeriodManifestWasWrittenBeforeItsAssemblyFolder_ResolvesAtOnce()
    {
        // aws s3 sync writes <period>/r-Manifest.json before <period>/<assembly>/: nothing is overwritten.
        var manifestObject = Obj("r/20240101-20240201/r-Manifest.json", T0);
        var listing = Period(manifestObject, Obj("r/20240101-20240201/a1/r-1.csv.gz", T0.AddMinutes(2)), Obj("r/20240101-20240201/a1/r-2.csv.gz", T0.AddMinutes(3)));
        var manifest = Manifest("a1", "r/20240101-20240201/a1/r-1.csv.gz", "r/20240101-20240201/a1/r-2.csv.gz");

        var delivery = DeliveryResolver.ResolveLegacyCsv(listing, manifestObject, manifest, "r", T0.AddMinutes(3), TimeSpan.FromMinutes(30));

        Assert.Equal("a1", Assert.IsType<ResolvedDelivery>(delivery).DeliveryId);
    }

    [Fact]
    public void ResolveLegacyCsv_WhenAParquetAssemblyIsNewerThanTheManifest_ResolvesAtOnceAsParquet()
    {
        var manifestObject = Obj("r/20240101-20240201/r-Manifest.json", T0);
        var listing = Period(manifestObject, Obj("r/20240101-20240201/a1/r-00001.snappy.parquet", T0.AddMinutes(1)));
        var manifest = Manifest("a1", "r/20240101-20240201/a1/r-00001.snappy.parquet") with { Compression = "Parquet" };

        var delivery = Assert.IsType<ResolvedDelivery>(DeliveryResolver.ResolveLegacyCsv(listing, manifestObject, manifest, "r", T0.AddMinutes(1), TimeSpan.FromMinutes(30)));

        Assert.Equal(ReportFormat.Parquet, delivery.Format);
    }

    [Theory]
    [InlineData("r/20240101-20240201/a1/r-1.csv.gz", true)]
    [InlineData("e/x/data/BILLING_PERIOD=2024-01/2024-01-03T01:00:00.000Z-bbb/x-00001.csv.gz", true)]
    [InlineData("r/20240101-20240201/r-1.csv.gz", false)]
    [InlineData("r/r/year=2024/month=1/r-00001.snappy.parquet", false)]
    [InlineData("e/x/data/BILLING_PERIOD=2024-01/x-00001.csv.gz", false)]
    public void InOwnFolder_WhenTheFileIsInAVersionFolderOrThePeriodFolder_TellsWhichCanBeOverwritten(string key, bool ownFolder) =>
        Assert.Equal(ownFolder, DeliveryResolver.InOwnFolder([Obj(key)]));

    [Fact]
    public void InOwnFolder_WhenOneFileIsInThePeriodFolder_IsFalse() =>
        Assert.False(DeliveryResolver.InOwnFolder([Obj("r/20240101-20240201/a1/r-1.csv.gz"), Obj("r/20240101-20240201/r-2.csv.gz")]));

    [Fact]
    public void ResolveLegacyCsv_WhenManifestKeysLackTheListingsLeadingSlash_MatchesThem()
    {
        var manifestObject = Obj("/r/20240101-20240201/r-Manifest.json", T0);
        var listing = Period(manifestObject, Obj("/r/20240101-20240201/r-1.csv.zip", T0));

        var delivery = Assert.IsType<ResolvedDelivery>(DeliveryResolver.ResolveLegacyCsv(
            listing, manifestObject, Manifest("a1", "r/20240101-20240201/r-1.csv.zip") with { Compression = "ZIP" }, "r", T0, TimeSpan.Zero));

        Assert.Equal("/r/20240101-20240201/r-1.csv.zip", Assert.Single(delivery.Files).Key);
        Assert.Equal(ReportFormat.CsvZip, delivery.Format);
    }

    [Fact]
    public void ResolveLegacyParquet_WhenNoManifest_HashesKeysAndETags()
    {
        var listing = Period(
            Obj("r/r/year=2024/month=1/r-00002.snappy.parquet", T0, "e2"),
            Obj("r/r/year=2024/month=1/r-00001.snappy.parquet", T0, "e1"));
        var rewritten = Period(
            Obj("r/r/year=2024/month=1/r-00002.snappy.parquet", T0, "e2"),
            Obj("r/r/year=2024/month=1/r-00001.snappy.parquet", T0, "e1-new"));

        var first = Assert.IsType<ResolvedDelivery>(DeliveryResolver.ResolveLegacyParquet(listing, null, null, "r", T0, TimeSpan.Zero));
        var again = Assert.IsType<ResolvedDelivery>(DeliveryResolver.ResolveLegacyParquet(listing, null, null, "r", T0, TimeSpan.Zero));
        var second = Assert.IsType<ResolvedDelivery>(DeliveryResolver.ResolveLegacyParquet(rewritten, null, null, "r", T0, TimeSpan.Zero));

        Assert.Equal(ReportFormat.Parquet, first.Format);
        Assert.Equal(64, first.DeliveryId.Length);
        Assert.Equal(first.DeliveryId, again.DeliveryId);
        Assert.True(first.IsSameAs(again));
        Assert.NotEqual(first.DeliveryId, second.DeliveryId);
        Assert.False(first.IsSameAs(second));
    }

    [Fact]
    public void ResolveDataExport_WhenCreateNewWithoutManifest_TakesTheNewestExecutionFolder()
    {
        var listing = Period(
            Obj("e/x/data/BILLING_PERIOD=2024-01/2024-01-02T01:00:00.000Z-aaa/x-00001.snappy.parquet", T0),
            Obj("e/x/data/BILLING_PERIOD=2024-01/2024-01-03T01:00:00.000Z-bbb/x-00001.snappy.parquet", T0.AddDays(1)),
            Obj("e/x/data/BILLING_PERIOD=2024-01/2024-01-03T01:00:00.000Z-bbb/x-00002.snappy.parquet", T0.AddDays(1)));

        var delivery = Assert.IsType<ResolvedDelivery>(DeliveryResolver.ResolveDataExport(listing, null, null, "x", T0.AddDays(2), TimeSpan.Zero));

        Assert.Equal(ReportFormat.Cur2Parquet, delivery.Format);
        Assert.All(delivery.Files, f => Assert.Contains("-bbb/", f.Key));
        Assert.Equal(2, delivery.Files.Count);
    }

    [Fact]
    public void ResolveDataExport_WhenTheManifestNamesDataFiles_UsesExactlyThose()
    {
        var manifestObject = Obj("e/x/metadata/BILLING_PERIOD=2024-01/x-Manifest.json", T0);
        var listing = Period(
            manifestObject,
            Obj("e/x/data/BILLING_PERIOD=2024-01/x-00001.csv.gz", T0),
            Obj("e/x/data/BILLING_PERIOD=2024-01/x-00009.csv.gz", T0.AddDays(-3)));
        var manifest = new DataExportManifest("exec", null, [], new BillingPeriod(2024, 1), [new S3Location("b", "e/x/data/BILLING_PERIOD=2024-01/x-00001.csv.gz")]);

        var delivery = Assert.IsType<ResolvedDelivery>(DeliveryResolver.ResolveDataExport(listing, manifestObject, manifest, "x", T0, TimeSpan.FromMinutes(30)));

        Assert.Equal("e/x/data/BILLING_PERIOD=2024-01/x-00001.csv.gz", Assert.Single(delivery.Files).Key);
        Assert.Equal(ReportFormat.Cur2CsvGzip, delivery.Format);
        Assert.Equal("e/x/metadata/BILLING_PERIOD=2024-01/x-Manifest.json", delivery.ManifestKey);
    }

    [Fact]
    public void ResolveDataExport_WhenOverwrittenFileIsNewerThanTheManifest_IsIncomplete()
    {
        var manifestObject = Obj("e/x/metadata/BILLING_PERIOD=2024-01/x-Manifest.json", T0);
        var listing = Period(manifestObject, Obj("e/x/data/BILLING_PERIOD=2024-01/x-00001.csv.gz", T0.AddMinutes(1)));
        var manifest = new DataExportManifest("exec", null, [], null, [new S3Location("b", "e/x/data/BILLING_PERIOD=2024-01/x-00001.csv.gz")]);

        var result = DeliveryResolver.ResolveDataExport(listing, manifestObject, manifest, "x", T0.AddMinutes(2), TimeSpan.FromMinutes(30));

        Assert.IsType<IncompleteDelivery>(result);
    }

    [Fact]
    public void ResolveDataExport_WhenAnExecutionFolderIsNewerThanItsManifest_ResolvesAtOnce()
    {
        var manifestObject = Obj("e/x/metadata/BILLING_PERIOD=2024-01/x-Manifest.json", T0);
        const string key = "e/x/data/BILLING_PERIOD=2024-01/2024-01-03T01:00:00.000Z-bbb/x-00001.csv.gz";
        var listing = Period(manifestObject, Obj(key, T0.AddMinutes(1)));
        var manifest = new DataExportManifest("exec", null, [], null, [new S3Location("b", key)]);

        var result = DeliveryResolver.ResolveDataExport(listing, manifestObject, manifest, "x", T0.AddMinutes(2), TimeSpan.FromMinutes(30));

        Assert.Equal(key, Assert.Single(Assert.IsType<ResolvedDelivery>(result).Files).Key);
    }

    [Theory]
    [InlineData("READY")]
    [InlineData("UPDATING")]
    public async Task ReadDataStatus_WhenAwsWroteTheStatusFile_ReturnsItsValue(string status)
    {
        using var stream = new MemoryStream();
        await ParquetSerializer.SerializeAsync(new[] { new StatusRow { Status = status } }, stream);
        stream.Position = 0;

        Assert.Equal(status, await CurDataStatus.ReadAsync(stream, CancellationToken.None));
    }

    [Theory]
    [InlineData("billing/hourly/20240101-20240201/hourly-Manifest.json", "hourly", CurLayoutKind.LegacyCsv, "billing")]
    [InlineData("hourly/20240101-20240201/hourly-Manifest.json", "hourly", CurLayoutKind.LegacyCsv, "")]
    [InlineData("a/b/cur/cur/year=2024/month=1/cur-Manifest.json", "cur", CurLayoutKind.LegacyParquet, "a/b")]
    [InlineData("exports/focus/metadata/BILLING_PERIOD=2024-05/focus-Manifest.json", "focus", CurLayoutKind.DataExport, "exports")]
    public void PeriodManifests_WhenTheKeyIsAPeriodManifest_FindsReportLayoutAndPrefix(string key, string report, CurLayoutKind layout, string prefix)
    {
        var found = Assert.Single(CurCatalog.PeriodManifests([Obj(key)], null));

        Assert.Equal(report, found.Key.ReportName);
        Assert.Equal(layout, found.Key.Layout);
        Assert.Equal(prefix, found.Key.ReportPrefix);
    }

    [Theory]
    [InlineData("billing/hourly/20240101-20240201/ea74f90b/hourly-1.csv.gz")]
    [InlineData("billing/hourly/20240101-20240201/other-Manifest.json")]
    [InlineData("notes/readme-Manifest.json")]
    public void PeriodManifests_WhenTheKeyIsNoPeriodManifest_FindsNone(string key) => Assert.Empty(CurCatalog.PeriodManifests([Obj(key)], null));

    [Fact]
    public void Summarize_ReadsAccountAndWhetherResourceIdsAreIncluded()
    {
        var summary = ManifestParser.Summarize("""{"account":"012345678910","compression":"GZIP","columns":[{"category":"lineItem","name":"ResourceId"}]}"""u8.ToArray());

        Assert.Equal("012345678910", summary.Account);
        Assert.Equal("GZIP", summary.Compression);
        Assert.True(summary.ResourceIdsIncluded);
    }

    [Fact]
    public void Summarize_WhenTheJsonIsNoObject_KnowsNothing() =>
        Assert.Equal(new ManifestSummary(null, null, null), ManifestParser.Summarize("[1]"u8.ToArray()));

    [Fact]
    public void Resolve_WhenALegacyCsvPeriodHasNoManifest_IsIncomplete()
    {
        var listing = Period(Obj("r/20240101-20240201/r-1.csv.gz"));

        var result = DeliveryResolver.Resolve(Report(CurLayoutKind.LegacyCsv, listing), listing, null, "bucket", T0, TimeSpan.Zero);

        Assert.Equal("there is no manifest for the period yet", Assert.IsType<IncompleteDelivery>(result).Reason);
    }

    [Fact]
    public void Resolve_WhenALegacyParquetPeriodHasNoManifest_TakesThePartitionsFiles()
    {
        var listing = Period(Obj("r/r/year=2024/month=1/r-00001.snappy.parquet"));

        var delivery = Assert.IsType<ResolvedDelivery>(DeliveryResolver.Resolve(Report(CurLayoutKind.LegacyParquet, listing), listing, null, "bucket", T0, TimeSpan.Zero));

        Assert.Equal(ReportFormat.Parquet, delivery.Format);
        Assert.Null(delivery.ManifestKey);
    }

    [Fact]
    public void Resolve_WhenADataExportPeriodHasNoManifest_TakesThePartitionsFiles()
    {
        var listing = Period(Obj("e/x/data/BILLING_PERIOD=2024-01/x-00001.csv.gz"));

        var delivery = Assert.IsType<ResolvedDelivery>(DeliveryResolver.Resolve(Report(CurLayoutKind.DataExport, listing), listing, null, "bucket", T0, TimeSpan.Zero));

        Assert.Equal(ReportFormat.Cur2CsvGzip, delivery.Format);
    }

    [Fact]
    public void Resolve_WhenALegacyManifestNamesItsFiles_ResolvesItsAssembly()
    {
        var manifestObject = Obj("r/20240101-20240201/r-Manifest.json");
        var listing = Period(manifestObject, Obj("r/20240101-20240201/r-1.csv.gz"));
        var read = new ManifestRead(manifestObject, Encoding.UTF8.GetBytes(Manifest("a1", "r/20240101-20240201/r-1.csv.gz").ToJson()));

        var delivery = Assert.IsType<ResolvedDelivery>(DeliveryResolver.Resolve(Report(CurLayoutKind.LegacyCsv, listing), listing, read, "bucket", T0, TimeSpan.Zero));

        Assert.Equal("a1", delivery.DeliveryId);
    }

    [Fact]
    public void Resolve_WhenALegacyManifestNamesAFileInAnotherBucket_RejectsTheDelivery()
    {
        var manifestObject = Obj("r/20240101-20240201/r-Manifest.json");
        var listing = Period(manifestObject, Obj("r/20240101-20240201/r-1.csv.gz"));
        var read = new ManifestRead(manifestObject, Encoding.UTF8.GetBytes(Manifest("a1", "s3://elsewhere/r/20240101-20240201/r-9.csv.gz").ToJson()));

        var rejected = Assert.IsType<RejectedDelivery>(DeliveryResolver.Resolve(Report(CurLayoutKind.LegacyCsv, listing), listing, read, "bucket", T0, TimeSpan.Zero));

        Assert.Equal("a1", rejected.DeliveryId);
        Assert.Contains("'elsewhere'", rejected.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_WhenAReplicatedManifestNamesTheSourceBucket_ReadsTheSameKeysInTheDataSourcesBucket()
    {
        var manifestObject = Obj("r/20240101-20240201/r-Manifest.json");
        var listing = Period(manifestObject, Obj("r/20240101-20240201/a1/r-1.csv.gz"));
        var read = new ManifestRead(manifestObject, Encoding.UTF8.GetBytes(Manifest("a1", "s3://source/r/20240101-20240201/a1/r-1.csv.gz").ToJson()));

        var delivery = Assert.IsType<ResolvedDelivery>(DeliveryResolver.Resolve(Report(CurLayoutKind.LegacyCsv, listing), listing, read, "replica", T0, TimeSpan.Zero));

        Assert.Equal("r/20240101-20240201/a1/r-1.csv.gz", Assert.Single(delivery.Files).Key);
    }

    [Fact]
    public void Resolve_WhenAReplicatedExportManifestNamesTheSourceBucket_ReadsTheSameKeysInTheDataSourcesBucket()
    {
        var manifestObject = Obj("e/x/metadata/BILLING_PERIOD=2024-01/x-Manifest.json");
        var listing = Period(manifestObject, Obj("e/x/data/BILLING_PERIOD=2024-01/x-00001.csv.gz"));
        var read = new ManifestRead(manifestObject, """{"dataFiles":["s3://source/e/x/data/BILLING_PERIOD=2024-01/x-00001.csv.gz"]}"""u8.ToArray());

        var delivery = Assert.IsType<ResolvedDelivery>(DeliveryResolver.Resolve(Report(CurLayoutKind.DataExport, listing), listing, read, "replica", T0, TimeSpan.Zero));

        Assert.Equal("e/x/data/BILLING_PERIOD=2024-01/x-00001.csv.gz", Assert.Single(delivery.Files).Key);
    }

    [Fact]
    public void Resolve_WhenAnExportManifestNamesAFileMissingPastTheSettleTime_RejectsTheDelivery()
    {
        var manifestObject = Obj("e/x/metadata/BILLING_PERIOD=2024-01/x-Manifest.json");
        var listing = Period(manifestObject, Obj("e/x/data/BILLING_PERIOD=2024-01/x-00001.csv.gz"));
        var read = new ManifestRead(manifestObject, """{"dataFiles":["s3://bucket/e/x/data/BILLING_PERIOD=2024-01/x-00002.csv.gz"]}"""u8.ToArray());
        var report = Report(CurLayoutKind.DataExport, listing);

        var early = DeliveryResolver.Resolve(report, listing, read, "bucket", T0.AddMinutes(5), TimeSpan.FromMinutes(30));
        var late = DeliveryResolver.Resolve(report, listing, read, "bucket", T0.AddHours(2), TimeSpan.FromMinutes(30));

        Assert.IsType<IncompleteDelivery>(early);
        Assert.Equal("e/x/data/BILLING_PERIOD=2024-01/x-00002.csv.gz", Assert.IsType<RejectedDelivery>(late).File);
    }

    [Fact]
    public void Resolve_WhenTheManifestIsNotJson_IsIncomplete()
    {
        var manifestObject = Obj("r/20240101-20240201/r-Manifest.json");
        var listing = Period(manifestObject, Obj("r/20240101-20240201/r-1.csv.gz"));

        var result = DeliveryResolver.Resolve(Report(CurLayoutKind.LegacyCsv, listing), listing, new ManifestRead(manifestObject, "{not json"u8.ToArray()), "bucket", T0, TimeSpan.Zero);

        Assert.Contains("not valid JSON", Assert.IsType<IncompleteDelivery>(result).Reason, StringComparison.Ordinal);
    }

    private static CurReport Report(CurLayoutKind layout, CurPeriodListing period) => new(layout, "r", "r/", [period], null);

    private static CurObject Obj(string key, DateTimeOffset? at = null, string? etag = null) =>
        new(key, 100, etag ?? "etag-" + key.GetHashCode(StringComparison.Ordinal).ToString("x", System.Globalization.CultureInfo.InvariantCulture), at ?? T0);

    private static CurPeriodListing Period(params CurObject[] objects) =>
        Assert.Single(Assert.Single(CurCatalog.Build(objects, null)).Periods);

    private static LegacyManifest Manifest(string assemblyId, params string[] keys) =>
        new(assemblyId, "123456789012", [], "UTF-8", "GZIP", "text/csv", null, "r", new BillingPeriod(2024, 1), "bucket", keys, []);

    private sealed class StatusRow
    {
        [JsonPropertyName("status")]
        public string Status { get; set; } = string.Empty;
    }
}
