using System.Text;
using DigiUsher.Contracts;
using DigiUsher.Cur.Manifests;

namespace DigiUsher.Cur.Tests;

public class ManifestTests
{
    // The shape of CUR.md §1.3 (fields as real legacy manifests have them).
    private const string LegacyCsvManifest = """
        {
          "assemblyId": "ea74f90b-e82f-9c72-fab6-abc716793752",
          "account": "012345678910",
          "columns": [
            {"category": "identity", "name": "LineItemId", "type": "String"},
            {"category": "identity", "name": "TimeInterval", "type": "Interval"},
            {"category": "lineItem", "name": "UsageAmount", "type": "BigDecimal"},
            {"category": "lineItem", "name": "NormalizationFactor", "type": "OptionalBigDecimal"},
            {"category": "resourceTags", "name": "user:team"}
          ],
          "charset": "UTF-8",
          "compression": "GZIP",
          "contentType": "text/csv",
          "reportId": "494124bac4e25a16a3b704c13be2c525fd60d25b0675eb0f72e7b9e8ea09e167",
          "reportName": "sample-report",
          "billingPeriod": {"start": "20170701T000000.000Z", "end": "20170801T000000.000Z"},
          "bucket": "billing-bucket",
          "reportKeys": [
            "billing-path/sample-report/20170701-20170801/ea74f90b-e82f-9c72-fab6-abc716793752/sample-report-1.csv.gz",
            "billing-path/sample-report/20170701-20170801/ea74f90b-e82f-9c72-fab6-abc716793752/sample-report-2.csv.gz"
          ],
          "additionalArtifactKeys": [
            {"artifactType": "RedshiftCommands", "name": "billing-path/sample-report/20170701-20170801/ea74f90b-e82f-9c72-fab6-abc716793752/sample-report-RedshiftCommands.sql"}
          ]
        }
        """;

    [Fact]
    public void ToJson_WhenParsedAgain_GivesTheSameManifest()
    {
        var parsed = ManifestParser.ParseLegacy(Encoding.UTF8.GetBytes(LegacyCsvManifest));

        var again = ManifestParser.ParseLegacy(Encoding.UTF8.GetBytes(parsed.ToJson()));

        Assert.Equal(parsed.AssemblyId, again.AssemblyId);
        Assert.Equal(parsed.Account, again.Account);
        Assert.Equal(parsed.Columns, again.Columns);
        Assert.Equal((parsed.Charset, parsed.Compression, parsed.ContentType, parsed.ReportId, parsed.ReportName), (again.Charset, again.Compression, again.ContentType, again.ReportId, again.ReportName));
        Assert.Equal(parsed.BillingPeriod, again.BillingPeriod);
        Assert.Equal(parsed.Bucket, again.Bucket);
        Assert.Equal(parsed.ReportKeys, again.ReportKeys);
        Assert.Equal(parsed.AdditionalArtifactKeys, again.AdditionalArtifactKeys);
    }

    [Fact]
    public void ParseLegacy_WhenGivenACsvManifest_ReadsEveryField()
    {
        var manifest = ManifestParser.ParseLegacy(Bytes(LegacyCsvManifest));

        Assert.Equal("ea74f90b-e82f-9c72-fab6-abc716793752", manifest.AssemblyId);
        Assert.Equal("012345678910", manifest.Account);
        Assert.Equal(new BillingPeriod(2017, 7), manifest.BillingPeriod);
        Assert.Equal("sample-report", manifest.ReportName);
        Assert.Equal("billing-bucket", manifest.Bucket);
        Assert.Equal(ReportFormat.CsvGzip, manifest.Format);
        Assert.Equal(2, manifest.ReportKeys.Count);
        Assert.EndsWith("sample-report-2.csv.gz", manifest.ReportKeys[1]);
        Assert.Equal(5, manifest.Columns.Count);
        Assert.Equal(new ManifestColumn("lineItem", "NormalizationFactor", "OptionalBigDecimal"), manifest.Columns[3]);
        Assert.Null(manifest.Columns[4].Type);
        Assert.Equal("RedshiftCommands", Assert.Single(manifest.AdditionalArtifactKeys).ArtifactType);
    }

    [Theory]
    [InlineData("ZIP", "r-1.csv.zip", ReportFormat.CsvZip)]
    [InlineData("Parquet", "r-00001.snappy.parquet", ReportFormat.Parquet)]
    [InlineData(null, "r-1.csv.gz", ReportFormat.CsvGzip)]
    public void ParseLegacy_WhenCompressionVaries_DerivesTheFormat(string? compression, string file, ReportFormat expected)
    {
        var json = $$"""{"assemblyId":"a1","compression":{{(compression is null ? "null" : $"\"{compression}\"")}},"reportKeys":["p/r/20240101-20240201/a1/{{file}}"]}""";

        Assert.Equal(expected, ManifestParser.ParseLegacy(Bytes(json)).Format);
    }

    [Fact]
    public void ParseLegacy_WhenPropertyNamesDifferInCaseAndArtifactsAreStrings_IsLenient()
    {
        var json = """{"AssemblyId":"x","ReportKeys":["a/b/20240101-20240201/x/b-1.csv.gz"],"AdditionalArtifactKeys":["a/b/x.sql"],"BillingPeriod":{"Start":"2024-01-01T00:00:00Z"}}""";

        var manifest = ManifestParser.ParseLegacy(Bytes(json));

        Assert.Equal("x", manifest.AssemblyId);
        Assert.Equal(new BillingPeriod(2024, 1), manifest.BillingPeriod);
        Assert.Equal("a/b/x.sql", Assert.Single(manifest.AdditionalArtifactKeys).Name);
    }

    [Theory]
    [InlineData("not json", "not valid JSON")]
    [InlineData("[1,2]", "not a JSON object")]
    [InlineData("""{"reportKeys":[]}""", "no assemblyId")]
    [InlineData("""{"assemblyId":"a"}""", "no reportKeys")]
    public void ParseLegacy_WhenTheManifestIsUnusable_NamesTheProblem(string json, string expected)
    {
        var ex = Assert.Throws<ManifestFormatException>(() => ManifestParser.ParseLegacy(Bytes(json), "cur/r/20240101-20240201/r-Manifest.json"));

        Assert.Contains(expected, ex.Message);
        Assert.Contains("cur/r/20240101-20240201/r-Manifest.json", ex.Message);
    }

    [Fact]
    public void ParseDataExport_WhenGivenDataFiles_ReturnsBucketsAndKeys()
    {
        var json = """
            {
              "executionId": "3695a728-d559-40bd-ac30-ffc97b552489",
              "exportArn": "arn:aws:bcm-data-exports:us-east-1:123456789012:export/cur2-abc",
              "billingPeriod": {"start": "2024-05-01T00:00:00.000Z", "end": "2024-06-01T00:00:00.000Z"},
              "columns": [{"name": "line_item_unblended_cost", "type": "double"}, {"name": "resource_tags", "type": "map<string,string>"}],
              "dataFiles": [
                "s3://exports/cur/cur2/data/BILLING_PERIOD=2024-05/cur2-00001.snappy.parquet",
                "s3://exports/cur/cur2/data/BILLING_PERIOD=2024-05/cur2-00002.snappy.parquet"
              ]
            }
            """;

        var manifest = ManifestParser.ParseDataExport(Bytes(json));

        Assert.Equal("3695a728-d559-40bd-ac30-ffc97b552489", manifest.ExecutionId);
        Assert.Equal(new BillingPeriod(2024, 5), manifest.BillingPeriod);
        Assert.Equal(2, manifest.Columns.Count);
        Assert.Equal("", manifest.Columns[0].Category);
        Assert.Equal(new S3Location("exports", "cur/cur2/data/BILLING_PERIOD=2024-05/cur2-00002.snappy.parquet"), manifest.DataFiles[1]);
    }

    [Fact]
    public void ParseDataExport_WhenADataFileIsNotAnS3Uri_NamesIt()
    {
        var ex = Assert.Throws<ManifestFormatException>(() => ManifestParser.ParseDataExport(Bytes("""{"dataFiles":["https://example.com/x.parquet"]}""")));

        Assert.Contains("https://example.com/x.parquet", ex.Message);
    }

    [Fact]
    public void ParseDataExport_WhenFieldsAreMissing_ReturnsAnEmptyManifest()
    {
        var manifest = ManifestParser.ParseDataExport(Bytes("{}"));

        Assert.Empty(manifest.DataFiles);
        Assert.Null(manifest.BillingPeriod);
        Assert.Null(manifest.ExecutionId);
    }

    [Theory]
    [InlineData("20161101T000000.000Z", 2016, 11)]
    [InlineData("2024-05-01T00:00:00.000Z", 2024, 5)]
    [InlineData("2024-05", 2024, 5)]
    public void ParsePeriodStart_WhenWrittenInAnyKnownForm_ReturnsTheMonth(string text, int year, int month)
    {
        Assert.Equal(new BillingPeriod(year, month), ManifestParser.ParsePeriodStart(text));
    }

    private static ReadOnlyMemory<byte> Bytes(string text) => Encoding.UTF8.GetBytes(text);
}
