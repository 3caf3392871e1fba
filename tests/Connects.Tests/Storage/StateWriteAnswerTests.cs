using Connects.Silo;
using Microsoft.Data.Sqlite;

namespace Connects.Tests.Storage;

/// <summary>
/// The answer a batched write hands back to Orleans' grain storage (<see cref="StateWriteAnswer"/>): it reads as the
/// statement's own reader would have, for the values Orleans reads (a new version, or no row for a version conflict).
/// </summary>
public sealed class StateWriteAnswerTests : IAsyncLifetime
{
    private readonly SqliteConnection _connection = new("Data Source=:memory:");

    public Task InitializeAsync() => _connection.OpenAsync();

    public async Task DisposeAsync() => await _connection.DisposeAsync();

    private async Task<StateWriteAnswer> Answer(string sql)
    {
        await using var command = _connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync();
        var sets = new List<StateWriteAnswer.ResultSet>();
        do sets.Add(await StateWriteAnswer.ReadResultSet(reader));
        while (await reader.NextResultAsync());
        return StateWriteAnswer.Of([.. sets]);
    }

    [Fact]
    public async Task A_new_version_reads_by_name_in_any_case_and_as_the_type_asked_for()
    {
        var answer = await Answer("SELECT 7 AS NewGrainStateVersion");

        Assert.True(answer.HasRows);
        Assert.True(await answer.ReadAsync());
        Assert.Equal(0, answer.GetOrdinal("NewGrainStateVersion"));
        Assert.Equal(0, answer.GetOrdinal("newgrainstateversion"));
        Assert.False(answer.IsDBNull(0));
        Assert.Equal(7, answer.GetInt32(0));
        Assert.Equal(7L, answer.GetInt64(0));
        Assert.Equal(7, answer.GetFieldValue<int>(0));
        Assert.Equal(7, answer.GetFieldValue<int?>(0));
        Assert.Equal(7L, answer["NewGrainStateVersion"]);
        Assert.False(await answer.ReadAsync());
        Assert.False(await answer.NextResultAsync());
    }

    [Fact]
    public async Task A_version_conflict_answers_its_columns_and_no_row()
    {
        var answer = await Answer("SELECT 1 AS NewGrainStateVersion WHERE 1 = 0");

        Assert.False(answer.HasRows);
        Assert.Equal(1, answer.FieldCount);
        Assert.Equal("NewGrainStateVersion", answer.GetName(0));
        Assert.False(await answer.ReadAsync());
        Assert.Throws<InvalidOperationException>(() => answer.GetValue(0));
    }

    [Fact]
    public async Task Nulls_read_as_DBNull_and_several_result_sets_come_in_their_order()
    {
        var answer = await Answer("SELECT NULL AS A, 'x' AS B; SELECT 2 AS C UNION ALL SELECT 3");

        Assert.True(answer.Read());
        Assert.True(answer.IsDBNull(0));
        Assert.Equal("x", answer.GetString(answer.GetOrdinal("B")));
        var values = new object[2];
        Assert.Equal(2, answer.GetValues(values));
        Assert.Equal([DBNull.Value, "x"], values);
        Assert.True(answer.NextResult());
        Assert.Equal("C", answer.GetName(0));
        Assert.True(answer.Read());
        Assert.Equal(2, answer.GetInt32(0));
        Assert.True(answer.Read());
        Assert.Equal(3, answer.GetInt32(0));
        Assert.False(answer.Read());
        Assert.False(answer.NextResult());
        Assert.Throws<ArgumentOutOfRangeException>(() => answer.GetOrdinal("Missing"));
    }

    [Fact]
    public void An_answer_without_result_sets_reads_as_one_empty_result()
    {
        var answer = StateWriteAnswer.Of([]);

        Assert.Equal(0, answer.FieldCount);
        Assert.False(answer.Read());
        Assert.False(answer.NextResult());
        answer.Close();
        Assert.True(answer.IsClosed);
    }
}
