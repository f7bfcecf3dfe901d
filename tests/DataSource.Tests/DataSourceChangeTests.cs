using DigiUsher.DataSource.Connections;
using DigiUsher.DataSource.Data;
using DigiUsher.DataSource.DataSources;

namespace DigiUsher.DataSource.Tests;

/// <summary>The decisions of connecting and changing a data source (<see cref="DataSourceChange"/>), without AWS or a database.</summary>
public class DataSourceChangeTests
{
    private const string RoleArn = "arn:aws:iam::123456789012:role/DigiUsherRead";

    private static readonly CreateDataSourceRequest Connect = new()
    {
        Name = " Payer ", Kind = "aws-root", AccessKeyId = "AKIAIOSFODNN7EXAMPLE", SecretAccessKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        Bucket = "cur-bucket", Prefix = "/billing/", ReportName = null, Region = null,
    };

    [Fact]
    public void Check_WhenAConnectRequestIsComplete_HasNoErrors() => Assert.False(DataSourceChange.Check(Connect).Any);

    [Fact]
    public void Check_WhenTheKindIsNotAwsRoot_NamesKind() =>
        Assert.Equal(new[] { "kind" }, DataSourceChange.Check(new CreateDataSourceRequest
        {
            Name = Connect.Name, Kind = "azure", AccessKeyId = Connect.AccessKeyId, SecretAccessKey = Connect.SecretAccessKey, Bucket = Connect.Bucket,
        }).Fields);

    [Fact]
    public void Check_WhenAConnectRequestGivesNoCredentials_NamesAccessKeyId() =>
        Assert.Contains("accessKeyId", DataSourceChange.Check(new CreateDataSourceRequest { Name = "Payer", Kind = "aws-root", Bucket = "cur-bucket" }).Fields);

    [Fact]
    public void Check_WhenARequestGivesKeysAndARole_NamesRoleArn() =>
        Assert.Equal(new[] { "roleArn" }, DataSourceChange.Check(new UpdateDataSourceRequest { AccessKeyId = Connect.AccessKeyId, RoleArn = RoleArn, ExternalId = "ext-id" }).Fields);

    [Theory]
    [InlineData(null, "digiusher-issued", true, null)]
    [InlineData(null, "digiusher-chosen", false, "must be one DigiUsher issued")]
    [InlineData(null, null, false, "is required")]
    [InlineData("digiusher-own", null, false, null)]
    [InlineData("digiusher-own", "digiusher-own", false, null)]
    [InlineData("digiusher-own", "digiusher-issued", true, "never changes")]
    public void ExternalIdProblem_WhenTheIdIsNotTheDataSourcesOrIssued_SaysWhy(string? current, string? requested, bool issued, string? problem)
    {
        var said = DataSourceChange.ExternalIdProblem(current, requested, issued);
        if (problem is null)
        {
            Assert.Null(said);
        }
        else
        {
            Assert.Contains(problem, said, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Plan_WhenARoleDataSourceTakesANewRole_KeepsItsExternalId()
    {
        var existing = new DataSourceRow { AuthType = "role", RoleArn = RoleArn, ExternalId = "digiusher-own", Name = "n", Bucket = "b", Region = "us-east-1" };
        var plan = DataSourceChange.Plan(existing, new UpdateDataSourceRequest { RoleArn = RoleArn + "2" });
        Assert.Equal(new ConnectionCredentials.Role(RoleArn + "2", "digiusher-own"), plan.NewCredentials);
    }

    [Fact]
    public void Check_WhenAnUpdateChangesNothing_NamesBody() => Assert.Equal(new[] { "body" }, DataSourceChange.Check(new UpdateDataSourceRequest()).Fields);

    [Fact]
    public void Check_WhenAnUpdateOnlyRenames_HasNoErrors() => Assert.False(DataSourceChange.Check(new UpdateDataSourceRequest { Name = "Renamed" }).Any);

    [Fact]
    public void CredentialsIn_WhenARoleIsGiven_IsTheRole() =>
        Assert.Equal(new ConnectionCredentials.Role(RoleArn, "ext-id"), DataSourceChange.CredentialsIn(null, null, RoleArn, "ext-id"));

    [Fact]
    public void CredentialsIn_WhenNothingIsGiven_IsNone() => Assert.Null(DataSourceChange.CredentialsIn(null, null, null, null));

    [Fact]
    public void NewRow_FromAConnectRequest_TrimsTheNameNormalisesThePrefixAndAssumesUsEast1()
    {
        var row = DataSourceChange.NewRow(Guid.NewGuid(), Guid.NewGuid(), new CreatedBy(Guid.NewGuid(), "a@example.com"), Connect);

        Assert.Equal(("Payer", "billing", "us-east-1", "aws-root"), (row.Name, row.Prefix, row.Region, row.Kind));
    }

    [Fact]
    public void Plan_WhenOnlyTheNameChanges_KeepsEverythingAndDoesNotRevalidate()
    {
        var plan = DataSourceChange.Plan(Stored(), new UpdateDataSourceRequest { Name = " New name " });

        Assert.False(plan.Revalidates);
        Assert.Equal(("New name", "cur-report", "eu-west-1", "key-1"), (plan.Row.Name, plan.Row.ReportName, plan.Row.Region, plan.Row.SecretKeyId));
    }

    [Fact]
    public void Plan_WhenThePrefixMoves_ForgetsTheReportAndLetsS3NameTheRegion()
    {
        var plan = DataSourceChange.Plan(Stored(), new UpdateDataSourceRequest { Prefix = "/other/" });

        Assert.True(plan is { Moved: true, Revalidates: true, NewCredentials: null, RegionToCheck: null });
        Assert.Equal(("other", null), (plan.Row.Prefix, plan.Row.ReportName));
    }

    [Fact]
    public void Plan_WhenTheSamePrefixIsGivenAgain_IsNoMove() =>
        Assert.False(DataSourceChange.Plan(Stored(), new UpdateDataSourceRequest { Prefix = "billing/" }).Moved);

    [Fact]
    public void Plan_WhenKeysAreRotated_RevalidatesWithTheNewKeysAtTheStoredRegion()
    {
        var plan = DataSourceChange.Plan(Stored(), new UpdateDataSourceRequest { AccessKeyId = "AKIAI44QH8DHBEXAMPLE", SecretAccessKey = "rotated" });

        Assert.True(plan is { Moved: false, Revalidates: true, RegionToCheck: "eu-west-1" });
        Assert.Equal(new ConnectionCredentials.AccessKeys("AKIAI44QH8DHBEXAMPLE", "rotated"), plan.NewCredentials);
    }

    [Fact]
    public void Accept_WhenTheRequestNamesNoRegion_TakesTheBucketsRegionAndThePayerAccount()
    {
        var row = Stored();

        DataSourceChange.Accept(row, Report("ok", bucketRegion: "ap-south-1", payer: "210987654321", disabled: ["rds"]), requestedRegion: null);

        Assert.Equal(("ap-south-1", "210987654321", "found-report"), (row.Region, row.PayerAccountId, row.ReportName));
        Assert.Equal(new[] { "rds" }, row.DisabledFeatures);
    }

    [Fact]
    public void Accept_WhenTheRequestNamesARegion_KeepsIt()
    {
        var row = Stored();

        DataSourceChange.Accept(row, Report("ok", bucketRegion: "ap-south-1", payer: null, disabled: []), requestedRegion: "us-west-2");

        Assert.Equal(("us-west-2", "123456789012"), (row.Region, row.PayerAccountId));
    }

    [Fact]
    public void Record_WhenValidationIsRefused_KeepsTheReportButNotItsDisabledFeatures()
    {
        var row = Stored();

        DataSourceChange.Record(row, Report("billing-access-denied", bucketRegion: null, payer: null, disabled: ["ec2"]));

        Assert.Equal(new[] { "s3" }, row.DisabledFeatures);
        Assert.Equal("billing-access-denied", ValidationJson.Read(row.Validation)!.Outcome);
    }

    private static DataSourceRow Stored() => new()
    {
        Id = Guid.NewGuid(), OrganizationId = Guid.NewGuid(), Name = "Payer", AuthType = "access-key", AccessKeyId = "AKIAIOSFODNN7EXAMPLE",
        SecretCiphertext = [1, 2, 3], SecretKeyId = "key-1", Bucket = "cur-bucket", Prefix = "billing", ReportName = "cur-report",
        Region = "eu-west-1", PayerAccountId = "123456789012", DisabledFeatures = ["s3"], Version = 3,
    };

    private static ValidationReport Report(string outcome, string? bucketRegion, string? payer, string[] disabled) =>
        new(DateTimeOffset.UnixEpoch, outcome, outcome == "ok", payer, payer is null ? null : "manifest", bucketRegion, "found-report", [], [], [], disabled, [], null);
}
