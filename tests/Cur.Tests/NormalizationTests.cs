using DigiUsher.Cur.Reading;

namespace DigiUsher.Cur.Tests;

/// <summary>Amortized cost per CUR.md §4 (focus_converters' effective_cost_S001 rules).</summary>
public class NormalizationTests
{
    private const string Header =
        "lineItem/LineItemType,lineItem/UsageStartDate,lineItem/UnblendedCost,savingsPlan/SavingsPlanEffectiveCost,savingsPlan/TotalCommitmentToDate," +
        "savingsPlan/UsedCommitment,reservation/EffectiveCost,reservation/UnusedAmortizedUpfrontFeeForBillingPeriod,reservation/UnusedRecurringFee,reservation/ReservationARN\n";

    [Theory]
    [InlineData("SavingsPlanCoveredUsage,2024-01-01T00:00:00Z,10,0.1,,,,,,", "0.1")]
    [InlineData("SavingsPlanRecurringFee,2024-01-01T00:00:00Z,5,,5,3.5,,,,", "1.5")]
    [InlineData("SavingsPlanNegation,2024-01-01T00:00:00Z,-10,,,,,,,", "0")]
    [InlineData("SavingsPlanUpfrontFee,2024-01-01T00:00:00Z,1000,,,,,,,", "0")]
    [InlineData("DiscountedUsage,2024-01-01T00:00:00Z,0,,,,0.07,,,arn:aws:ec2:r:1:reserved-instances/x", "0.07")]
    [InlineData("RIFee,2024-01-01T00:00:00Z,20,,,,,1.25,2.5,arn:aws:ec2:r:1:reserved-instances/x", "3.75")]
    [InlineData("Fee,2024-01-01T00:00:00Z,300,,,,,,,arn:aws:ec2:r:1:reserved-instances/x", "0")]
    [InlineData("Fee,2024-01-01T00:00:00Z,300,,,,,,,", "300")]
    [InlineData("Usage,2024-01-01T00:00:00Z,0.42,,,,,,,", "0.42")]
    [InlineData("Tax,2024-01-01T00:00:00Z,1.1,,,,,,,", "1.1")]
    [InlineData("Credit,2024-01-01T00:00:00Z,-3,,,,,,,", "-3")]
    [InlineData("SomeFutureType,2024-01-01T00:00:00Z,7,,,,,,,", "7")]
    public async Task Amortize_WhenLineItemType_FollowsTheEffectiveCostRule(string row, string expected)
    {
        var (items, _) = await SampleFiles.ReadCsvTextAsync(Header + row + "\n");

        Assert.Equal(decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), Assert.Single(items).Amortized);
    }

    [Fact]
    public async Task Amortize_WhenSavingsPlanColumnsAreAbsent_FallsBackToUnblended()
    {
        var (items, _) = await SampleFiles.ReadCsvTextAsync("lineItem/LineItemType,lineItem/UsageStartDate,lineItem/UnblendedCost\nSavingsPlanCoveredUsage,2024-01-01T00:00:00Z,4\n");

        Assert.Equal(4m, Assert.Single(items).Amortized);
    }

    [Theory]
    [InlineData("user:team", "team")]
    [InlineData("aws:createdBy", "aws:createdBy")]
    [InlineData("user_cost_center", "cost_center")]
    [InlineData("aws_created_by", "aws_created_by")]
    [InlineData("Name", "Name")]
    public void TagKey_WhenRawKey_IsKeyedAsPeopleKnowIt(string raw, string expected) => Assert.Equal(expected, CurValues.TagKey(raw));
}
