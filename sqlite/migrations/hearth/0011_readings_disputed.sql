-- A reading whose accuracy the person contests (hearth.Reading.Disputed,
-- RIGHT-RECTIFY): 1 while disputed.

ALTER TABLE readings ADD COLUMN disputed INTEGER NOT NULL DEFAULT 0;
