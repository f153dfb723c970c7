import { z } from 'zod';
import { pageQuerySchema } from '../http/pagination';
import { isStorableText, isValidId, messages, unstorableTextMessage } from '../http/validation';

const MAX_MONETARY_GOAL = 100_000_000;
const MAX_DURATION_DAYS = 60;
const MAX_DESCRIPTION_LENGTH = 5000;

// Field names are camelCase in JSON; messages name them in words, as Laravel does.

/** A required text, 1–`max` characters after trimming; null counts as missing. */
const requiredText = (label: string, max: number) =>
  z
    .string({
      error: (issue) =>
        issue.input === undefined || issue.input === null ? messages.required(label) : messages.string(label),
    })
    .trim()
    .min(1, messages.required(label))
    .max(max, messages.maxLength(label, max))
    .refine(isStorableText, unstorableTextMessage(label));

/** A whole number in [min, max], sent as a JSON number or as a string of digits (what HTML forms send). */
const wholeNumber = (label: string, min: number, max: number, unit = '') => {
  const message = `The ${label.replaceAll('_', ' ')} must be a whole number${unit} from ${min} to ${max}.`;
  return z
    .union(
      [
        z.int({ error: message }).min(min, message).max(max, message),
        z.string({ error: message }).regex(/^\d+$/, message),
      ],
      { error: (issue) => (issue.input === undefined ? messages.required(label) : message) },
    )
    .transform(Number)
    .refine((value) => value >= min && value <= max, message)
    .describe(`A whole number${unit} from ${min} to ${max}, as a JSON number or a string of digits.`);
};

const description = z
  .string({ error: messages.string('description') })
  .max(MAX_DESCRIPTION_LENGTH, messages.maxLength('description', MAX_DESCRIPTION_LENGTH))
  .refine(isStorableText, unstorableTextMessage('description'))
  .nullish()
  .describe('Optional; null or left out means none.');

/**
 * A whole campaign, as POST and PUT take it. `id`, `user_id` and the timestamps are not fields:
 * sent anyway, they are dropped (the owner is always the caller).
 */
const campaignFields = z.object({
  campaignName: requiredText('campaign_name', 128),
  categories: requiredText('categories', 64).describe('A category name such as Games.'),
  description,
  monetaryGoal: wholeNumber('monetary_goal', 1, MAX_MONETARY_GOAL),
  duration: wholeNumber('duration', 1, MAX_DURATION_DAYS, ' of days'),
  country: requiredText('country', 64).describe('A country name such as USA.'),
});

export const campaignInputSchema = campaignFields.meta({ id: 'CampaignInput' });

export type CampaignInput = z.output<typeof campaignInputSchema>;

/** Any subset of the fields, as PATCH takes them; an empty body changes nothing. */
export const campaignPatchSchema = campaignFields.partial().meta({ id: 'CampaignPatch' });

export type CampaignPatch = z.output<typeof campaignPatchSchema>;

/** An exact, case-insensitive filter value; empty means no filter. */
const filterText = (label: string) =>
  z.string({ error: messages.string(label) }).trim().refine(isStorableText, unstorableTextMessage(label)).optional();

const USER_ID_MESSAGE = 'The user id must be a positive integer.';

/** The campaign list's query: the page, and the filters `?categories=`, `?country=`, `?user_id=`. */
export const campaignListQuerySchema = pageQuerySchema.safeExtend({
  categories: filterText('categories').describe('Only campaigns of this category: exact match, case-insensitive. Empty means no filter.'),
  country: filterText('country').describe('Only campaigns of this country: exact match, case-insensitive. Empty means no filter.'),
  user_id: z
    .string({ error: USER_ID_MESSAGE })
    .regex(/^\d+$/, USER_ID_MESSAGE)
    .transform(Number)
    .refine(isValidId, USER_ID_MESSAGE)
    .optional()
    .describe("Only this user's campaigns: a positive integer (anything else is a 422)."),
});

const insight = (meaning: string) => z.number().nullable().describe(`${meaning} Null while no dataset of past campaigns has been imported, or when it has nothing to say.`);
const PAST = 'successful past campaigns';

/**
 * The campaign's insights (the contract's "Insights on every campaign"), computed from the dataset
 * of past Kickstarter campaigns when the campaign is written and for every campaign after an
 * import. "In this category": the past campaign's category or main category equals `categories`,
 * ignoring case; only finished past campaigns count (successful, failed, canceled, suspended).
 */
const insightFields = {
  prediction_results: insight('Predicted chance of success, an integer percent 0–100, from the model trained at import time.'),
  results: insight('1 when `prediction_results` is 50 or more, else 0.'),
  raising_more_success: insight(`Number of ${PAST} whose goal was greater than this campaign's goal.`),
  category_success: insight('Share of finished past campaigns in this category that succeeded, 0–1.'),
  category_average: insight(`Average amount pledged, in USD, to ${PAST} in this category.`),
  average_over: insight(`Average of (pledged − goal), in USD, over ${PAST} whose goal was greater than this campaign's goal.`),
  average_backers: insight(`Average number of backers of ${PAST} whose goal was within ±10 % of this campaign's goal.`),
  average_duration: insight(`Average duration in days of ${PAST} in this category.`),
};

/** The campaign object of every response, with the seeds' camelCase names, and its insights. */
export const campaignSchema = z
  .object({
    id: z.number().int(),
    user_id: z.number().int(),
    campaignName: z.string(),
    categories: z.string(),
    description: z.string().nullable(),
    monetaryGoal: z.number().int(),
    duration: z.number().int().describe('Days.'),
    country: z.string(),
    created_at: z.string().describe('ISO-8601'),
    updated_at: z.string().describe('ISO-8601'),
    ...insightFields,
  })
  .meta({ id: 'Campaign' });
