import { performance } from 'node:perf_hooks';
import { startTestApp, type TestApp } from '../../helpers/app';
import { predict, rocAuc, type TrainedModel } from '../../../src/kickstarter/insights/model';
import { trainModel } from '../../../src/kickstarter/insights/trainer';
import { csvFile, importInto, removeCsvFiles } from './dataset';

let t: TestApp;
let imported: Awaited<ReturnType<typeof importInto>>;
beforeAll(async () => {
  t = await startTestApp();
  imported = await importInto(t, await csvFile({ rows: 30_000, seed: 11 }));
});
afterAll(async () => {
  await t.close();
  removeCsvFiles();
});

test('ROC AUC: 1 for a perfect ranking, 0 for a reversed one, 0.5 for ties', () => {
  expect(rocAuc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1])).toBe(1);
  expect(rocAuc([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1])).toBe(0);
  expect(rocAuc([0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1])).toBe(0.5);
  expect(rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBe(0.75);
});

test('when trained on data with a signal, then the model beats the majority class on the held-out fifth by a clear margin', () => {
  const quality = imported.quality!;
  expect(quality.testRows).toBeGreaterThan(5000);
  expect(quality.trainRows).toBeGreaterThan(3.9 * quality.testRows);
  expect(quality.auc).toBeGreaterThan(0.75);
  expect(quality.accuracy).toBeGreaterThan(quality.baselineAccuracy + 0.1);
  // The figures the import prints are the stored ones.
  return expect(t.knex('campaign_dataset').first()).resolves.toMatchObject({ model_quality: quality });
});

test('when the model is trained, then the event loop keeps turning: no timer waits long', async () => {
  const gaps: number[] = [];
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    gaps.push(now - last);
    last = now;
  }, 5);
  const started = performance.now();
  const trained = await trainModel(t.knex);
  const took = performance.now() - started;
  clearInterval(timer);
  expect(trained!.quality.auc).toBeGreaterThan(0.75);
  // The thread trains; this one only reads pages of rows and hands them over.
  expect(gaps.length).toBeGreaterThan(took / 50);
  expect(Math.max(...gaps)).toBeLessThan(250);
});

test('when the stored model predicts, then it takes microseconds and every instance gets the same answer', async () => {
  const { model } = (await t.knex('campaign_dataset').select('model').first()) as { model: TrainedModel };
  const input = { category: 'tabletop games', mainCategory: 'games', country: 'JP', goalUsd: 5000, durationDays: 30, text: 'Dragon dice' };
  const started = performance.now();
  const runs = 10_000;
  let sum = 0;
  for (let i = 0; i < runs; i += 1) sum += predict(model, { ...input, goalUsd: 1000 + i });
  const microseconds = ((performance.now() - started) * 1000) / runs;
  expect(sum).toBeGreaterThan(0);
  expect(microseconds).toBeLessThan(100);
  const again = JSON.parse(JSON.stringify(model)) as TrainedModel;
  expect(predict(again, input)).toBe(predict(model, input));
});

test('when no finished campaign is in the dataset, then no model is trained', async () => {
  const empty = await startTestApp();
  try {
    expect(await trainModel(empty.knex)).toBeUndefined();
  } finally {
    await empty.close();
  }
});
