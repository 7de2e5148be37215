-- CreateIndex
CREATE INDEX "Household_number_prefix_idx" ON "Household" USING SPGIST ("number");

-- CreateIndex
CREATE INDEX "Household_headName_prefix_idx" ON "Household" USING SPGIST ("headName");

-- CreateIndex
CREATE INDEX "HouseholdMember_name_prefix_idx" ON "HouseholdMember" USING SPGIST ("name");
